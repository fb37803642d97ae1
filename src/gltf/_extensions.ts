// Private: the glTF extensions raypool reads, in one place.

/** Extensions whose meaning raypool renders (or, for compression, decodes). */
export const SUPPORTED_EXTENSIONS: ReadonlySet<string> = new Set([
  "KHR_draco_mesh_compression",
  "EXT_meshopt_compression",
  "KHR_mesh_quantization",
  "KHR_texture_transform",
  "KHR_materials_emissive_strength",
  "KHR_materials_transmission",
  "KHR_materials_ior",
  "KHR_materials_unlit",
  "KHR_lights_punctual",
]);
