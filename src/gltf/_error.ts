// Private: how the glTF loader words a bad file: one line naming the file and the glTF path.

/** `glTF file "model.glb": meshes[3].primitives[0].indices: accessor 12 is out of range`. */
export function gltfError(
  file: string,
  path: string,
  message: string,
  Class: new (message: string, options?: ErrorOptions) => Error = TypeError,
  cause?: unknown,
): Error {
  const where = path === "" ? "" : `${path}: `;
  return new Class(
    `glTF file ${JSON.stringify(file)}: ${where}${message}`,
    cause === undefined ? undefined : { cause },
  );
}
