/*
 * The Embree side of `deno task bench:mesh` (bench/embree.ts builds and runs it): Intel
 * Embree 3 on one thread, single-ray API, tracing the rays raypool's Whitted integrator
 * traces in the dragon scene, so that the two can be compared.
 *
 *   embree_rays SCENE.bin
 *
 * SCENE.bin, little-endian, written by bench/embree.ts:
 *   char[8]  "RPEMBR1\0"
 *   u32      width, height, vertices, triangles, lights, reps, sah_triangles
 *   f64      fov (vertical, degrees), camera position xyz, look_at xyz, up xyz, bias
 *   lights × { f64 kind (0 directional, 1 point), x, y, z } (a directional light's xyz is the
 *            direction the light travels; a point light's its position)
 *   f32      vertices × xyz
 *   u32      triangles × 3 indices
 *
 * Passes, each timed as the best of `reps` runs over the whole image:
 *   primary    one ray per pixel through the pixel's centre, from the camera as raypool's
 *              (rust/src/camera.rs) builds it, rtcIntersect1;
 *   shadow     for each primary hit and each light, rtcOccluded1 from the hit (moved off the
 *              surface by `bias` along the normal facing the eye) to the light;
 *   incoherent for each primary hit, one cosine-distributed ray about that normal,
 *              rtcIntersect1: the first bounce of a path tracer, rays in every direction.
 * Also the build of Embree's own scene BVH (high quality), and the SAH cost of a binary BVH
 * over the first `sah_triangles` triangles (the mesh, without the floor, whose huge quad
 * would dwarf every other box) built by Embree's builder API (rtcBuildBVH, high quality, no
 * spatial splits, leaves of at most 4 as raypool's): the tree Embree traces is a BVH4/8
 * whose nodes the API does not expose.
 *
 * Prints one JSON line. Exit status 2 on bad input, 1 on an Embree error.
 */

#include <embree3/rtcore.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Embree 3's C header declares these as structs only. */
typedef struct RTCRay RTCRay;
typedef struct RTCRayHit RTCRayHit;
typedef struct RTCBounds RTCBounds;
typedef struct RTCBuildPrimitive RTCBuildPrimitive;
typedef struct RTCBuildArguments RTCBuildArguments;
typedef struct RTCIntersectContext RTCIntersectContext;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fail(int status, const char *what) {
  fprintf(stderr, "embree_rays: %s\n", what);
  exit(status);
}

static void read_exact(FILE *f, void *to, size_t bytes) {
  if (fread(to, 1, bytes, f) != bytes) fail(2, "the scene file is truncated");
}

typedef struct { double x, y, z; } V3;
static V3 v3(double x, double y, double z) { V3 v = {x, y, z}; return v; }
static V3 add(V3 a, V3 b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
static V3 sub(V3 a, V3 b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
static V3 mul(V3 a, double s) { return v3(a.x * s, a.y * s, a.z * s); }
static double dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static V3 cross(V3 a, V3 b) {
  return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
static V3 unit(V3 a) { return mul(a, 1.0 / sqrt(dot(a, a))); }

/* A primary hit: where, the normal facing the eye; `hit` 0 for a miss. */
typedef struct { V3 point, normal; int hit; } Hit;

static RTCRayHit camera_ray(V3 pos, V3 right, V3 up, V3 fwd, double sx, double sy) {
  V3 d = unit(add(add(mul(right, sx), mul(up, sy)), fwd));
  RTCRayHit rh;
  rh.ray.org_x = (float)pos.x; rh.ray.org_y = (float)pos.y; rh.ray.org_z = (float)pos.z;
  rh.ray.dir_x = (float)d.x; rh.ray.dir_y = (float)d.y; rh.ray.dir_z = (float)d.z;
  rh.ray.tnear = 0.0f; rh.ray.tfar = INFINITY; rh.ray.time = 0.0f;
  rh.ray.mask = 0xFFFFFFFFu; rh.ray.id = 0; rh.ray.flags = 0;
  rh.hit.geomID = RTC_INVALID_GEOMETRY_ID; rh.hit.instID[0] = RTC_INVALID_GEOMETRY_ID;
  return rh;
}

/* A counter-based hash (a finaliser of MurmurHash3's kind) for reproducible directions. */
static uint32_t hash(uint32_t x) {
  x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
  return x;
}
static double unit_random(uint32_t key) { return (hash(key) >> 8) * (1.0 / 16777216.0); }

/* ── A binary BVH built by rtcBuildBVH, kept only to add up its SAH cost ── */
typedef struct Node {
  int leaf;
  unsigned count;            /* leaf: primitives */
  struct Node *child[2];     /* inner */
  RTCBounds bounds[2];       /* inner: the children's boxes */
} Node;

static void *create_node(RTCThreadLocalAllocator alloc, unsigned int count, void *user) {
  (void)user; (void)count;
  Node *n = rtcThreadLocalAlloc(alloc, sizeof(Node), 16);
  memset(n, 0, sizeof *n);
  return n;
}
static void set_children(void *node, void **children, unsigned int count, void *user) {
  (void)user;
  Node *n = node;
  for (unsigned i = 0; i < count && i < 2; i++) n->child[i] = children[i];
}
static void set_bounds(void *node, const RTCBounds **bounds, unsigned int count, void *user) {
  (void)user;
  Node *n = node;
  for (unsigned i = 0; i < count && i < 2; i++) n->bounds[i] = *bounds[i];
}
static void *create_leaf(RTCThreadLocalAllocator alloc, const RTCBuildPrimitive *prims,
                         size_t count, void *user) {
  (void)user; (void)prims;
  Node *n = rtcThreadLocalAlloc(alloc, sizeof(Node), 16);
  memset(n, 0, sizeof *n);
  n->leaf = 1;
  n->count = (unsigned)count;
  return n;
}

static double area(const RTCBounds *b) {
  double dx = b->upper_x - b->lower_x, dy = b->upper_y - b->lower_y, dz = b->upper_z - b->lower_z;
  return 2.0 * (dx * dy + dy * dz + dz * dx);
}

/* Σ inner areas × 1 + Σ leaf areas × primitives × 1, in units of the root's area. */
static void sah_walk(const Node *n, double a, double *cost, unsigned *leaves, unsigned *inner) {
  if (n->leaf) { *cost += a * n->count; (*leaves)++; return; }
  *cost += a;
  (*inner)++;
  for (int i = 0; i < 2; i++) {
    if (n->child[i] != NULL) sah_walk(n->child[i], area(&n->bounds[i]), cost, leaves, inner);
  }
}

static void on_error(void *user, enum RTCError code, const char *message) {
  (void)user;
  fprintf(stderr, "embree_rays: Embree error %d: %s\n", (int)code, message ? message : "");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 2) fail(2, "usage: embree_rays SCENE.bin");
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) fail(2, "cannot open the scene file");
  char magic[8];
  read_exact(f, magic, 8);
  if (memcmp(magic, "RPEMBR1", 8) != 0) fail(2, "not an embree_rays scene file");
  uint32_t u[7];
  read_exact(f, u, sizeof u);
  const uint32_t width = u[0], height = u[1], nv = u[2], nt = u[3], nl = u[4], reps = u[5];
  const uint32_t sah_nt = u[6];
  if (width == 0 || height == 0 || nt == 0 || reps == 0 || nl > 64 || sah_nt == 0 || sah_nt > nt) {
    fail(2, "bad header");
  }
  double h[11];
  read_exact(f, h, sizeof h);
  double *lights = malloc(sizeof(double) * 4 * (nl ? nl : 1));
  read_exact(f, lights, sizeof(double) * 4 * nl);

  RTCDevice device = rtcNewDevice("threads=1");
  if (device == NULL) fail(1, "rtcNewDevice failed");
  rtcSetDeviceErrorFunction(device, on_error, NULL);
  RTCScene scene = rtcNewScene(device);
  rtcSetSceneBuildQuality(scene, RTC_BUILD_QUALITY_HIGH);
  RTCGeometry geom = rtcNewGeometry(device, RTC_GEOMETRY_TYPE_TRIANGLE);
  rtcSetGeometryBuildQuality(geom, RTC_BUILD_QUALITY_HIGH);
  /* Embree reads vertices 16 bytes at a time: one float of padding past the end. */
  float *vertices = rtcSetNewGeometryBuffer(geom, RTC_BUFFER_TYPE_VERTEX, 0,
                                            RTC_FORMAT_FLOAT3, 3 * sizeof(float), nv);
  uint32_t *indices = rtcSetNewGeometryBuffer(geom, RTC_BUFFER_TYPE_INDEX, 0,
                                              RTC_FORMAT_UINT3, 3 * sizeof(uint32_t), nt);
  read_exact(f, vertices, sizeof(float) * 3 * (size_t)nv);
  read_exact(f, indices, sizeof(uint32_t) * 3 * (size_t)nt);
  fclose(f);
  for (size_t i = 0; i < 3 * (size_t)nt; i++) {
    if (indices[i] >= nv) fail(2, "a triangle index is out of range");
  }
  rtcCommitGeometry(geom);
  rtcAttachGeometry(scene, geom);
  const double b0 = now_ms();
  rtcCommitScene(scene);
  const double buildMs = now_ms() - b0;

  /* The camera, as rust/src/camera.rs builds it. */
  const V3 pos = v3(h[1], h[2], h[3]), look = v3(h[4], h[5], h[6]), up_in = v3(h[7], h[8], h[9]);
  const double bias = h[10];
  const V3 fwd = unit(sub(look, pos));
  const V3 right = unit(cross(fwd, up_in));
  const V3 up = cross(right, fwd);
  const double aspect = (double)width / height, fova = tan(h[0] * M_PI / 180.0 / 2.0);

  RTCIntersectContext context;
  const size_t pixels = (size_t)width * height;
  Hit *hits = calloc(pixels, sizeof(Hit));
  if (hits == NULL) fail(1, "out of memory");

  double primaryMs = INFINITY;
  size_t primaryHits = 0;
  for (uint32_t rep = 0; rep < reps; rep++) {
    const double t0 = now_ms();
    size_t count = 0;
    for (uint32_t y = 0; y < height; y++) {
      for (uint32_t x = 0; x < width; x++) {
        const double sx = (((x + 0.5) / width) * 2.0 - 1.0) * aspect * fova;
        const double sy = (1.0 - ((y + 0.5) / height) * 2.0) * fova;
        RTCRayHit rh = camera_ray(pos, right, up, fwd, sx, sy);
        rtcInitIntersectContext(&context);
        rtcIntersect1(scene, &context, &rh);
        Hit *out = &hits[(size_t)y * width + x];
        out->hit = rh.hit.geomID != RTC_INVALID_GEOMETRY_ID;
        if (out->hit) {
          count++;
          const V3 d = v3(rh.ray.dir_x, rh.ray.dir_y, rh.ray.dir_z);
          V3 n = unit(v3(rh.hit.Ng_x, rh.hit.Ng_y, rh.hit.Ng_z));
          if (dot(n, d) > 0) n = mul(n, -1.0);
          out->point = add(v3(rh.ray.org_x, rh.ray.org_y, rh.ray.org_z), mul(d, rh.ray.tfar));
          out->normal = n;
        }
      }
    }
    const double ms = now_ms() - t0;
    if (ms < primaryMs) primaryMs = ms;
    primaryHits = count;
  }

  double shadowMs = INFINITY;
  size_t shadowRays = 0, occluded = 0;
  for (uint32_t rep = 0; rep < reps; rep++) {
    const double t0 = now_ms();
    size_t rays = 0, blocked = 0;
    for (size_t i = 0; i < pixels; i++) {
      const Hit *hit = &hits[i];
      if (!hit->hit) continue;
      const V3 o = add(hit->point, mul(hit->normal, bias));
      for (uint32_t l = 0; l < nl; l++) {
        const double *light = &lights[4 * l];
        V3 d;
        double far;
        if (light[0] == 0.0) {
          d = unit(v3(-light[1], -light[2], -light[3]));
          far = INFINITY;
        } else {
          const V3 to = sub(v3(light[1], light[2], light[3]), hit->point);
          far = sqrt(dot(to, to));
          d = mul(to, 1.0 / far);
        }
        RTCRay ray;
        ray.org_x = (float)o.x; ray.org_y = (float)o.y; ray.org_z = (float)o.z;
        ray.dir_x = (float)d.x; ray.dir_y = (float)d.y; ray.dir_z = (float)d.z;
        ray.tnear = 0.0f; ray.tfar = (float)far; ray.time = 0.0f;
        ray.mask = 0xFFFFFFFFu; ray.id = 0; ray.flags = 0;
        rtcInitIntersectContext(&context);
        rtcOccluded1(scene, &context, &ray);
        rays++;
        if (ray.tfar < 0.0f) blocked++;
      }
    }
    const double ms = now_ms() - t0;
    if (ms < shadowMs) shadowMs = ms;
    shadowRays = rays;
    occluded = blocked;
  }

  double incoherentMs = INFINITY;
  size_t incoherentRays = 0, incoherentHits = 0;
  for (uint32_t rep = 0; rep < reps; rep++) {
    const double t0 = now_ms();
    size_t rays = 0, count = 0;
    for (size_t i = 0; i < pixels; i++) {
      const Hit *hit = &hits[i];
      if (!hit->hit) continue;
      const V3 n = hit->normal;
      /* A basis about n, then a cosine-distributed direction (Malley's method). */
      const V3 a = fabs(n.x) > 0.9 ? v3(0, 1, 0) : v3(1, 0, 0);
      const V3 t = unit(cross(a, n)), b = cross(n, t);
      const double r1 = unit_random(2 * (uint32_t)i), r2 = unit_random(2 * (uint32_t)i + 1);
      const double r = sqrt(r1), phi = 2.0 * M_PI * r2;
      const V3 d = unit(add(add(mul(t, r * cos(phi)), mul(b, r * sin(phi))),
                            mul(n, sqrt(1.0 - r1))));
      const V3 o = add(hit->point, mul(n, bias));
      RTCRayHit rh = camera_ray(o, v3(0, 0, 0), v3(0, 0, 0), d, 0, 0);
      rtcInitIntersectContext(&context);
      rtcIntersect1(scene, &context, &rh);
      rays++;
      if (rh.hit.geomID != RTC_INVALID_GEOMETRY_ID) count++;
    }
    const double ms = now_ms() - t0;
    if (ms < incoherentMs) incoherentMs = ms;
    incoherentRays = rays;
    incoherentHits = count;
  }

  /* SAH of Embree's builder over the mesh's triangles (a binary tree, leaves up to 4). */
  RTCBuildPrimitive *prims = malloc(sizeof(RTCBuildPrimitive) * (size_t)sah_nt);
  if (prims == NULL) fail(1, "out of memory");
  RTCBounds root = {INFINITY, INFINITY, INFINITY, 0, -INFINITY, -INFINITY, -INFINITY, 0};
  for (uint32_t i = 0; i < sah_nt; i++) {
    RTCBuildPrimitive *p = &prims[i];
    p->lower_x = p->lower_y = p->lower_z = INFINITY;
    p->upper_x = p->upper_y = p->upper_z = -INFINITY;
    for (int k = 0; k < 3; k++) {
      const float *v = &vertices[3 * (size_t)indices[3 * (size_t)i + k]];
      p->lower_x = fminf(p->lower_x, v[0]); p->upper_x = fmaxf(p->upper_x, v[0]);
      p->lower_y = fminf(p->lower_y, v[1]); p->upper_y = fmaxf(p->upper_y, v[1]);
      p->lower_z = fminf(p->lower_z, v[2]); p->upper_z = fmaxf(p->upper_z, v[2]);
    }
    p->geomID = 0;
    p->primID = i;
    root.lower_x = fminf(root.lower_x, p->lower_x); root.upper_x = fmaxf(root.upper_x, p->upper_x);
    root.lower_y = fminf(root.lower_y, p->lower_y); root.upper_y = fmaxf(root.upper_y, p->upper_y);
    root.lower_z = fminf(root.lower_z, p->lower_z); root.upper_z = fmaxf(root.upper_z, p->upper_z);
  }
  RTCBVH bvh = rtcNewBVH(device);
  RTCBuildArguments args = rtcDefaultBuildArguments();
  args.byteSize = sizeof(args);
  args.buildQuality = RTC_BUILD_QUALITY_HIGH;
  args.maxBranchingFactor = 2;
  args.minLeafSize = 1;
  args.maxLeafSize = 4;
  args.traversalCost = 1.0f;
  args.intersectionCost = 1.0f;
  args.bvh = bvh;
  args.primitives = prims;
  args.primitiveCount = sah_nt;
  args.primitiveArrayCapacity = sah_nt;
  args.createNode = create_node;
  args.setNodeChildren = set_children;
  args.setNodeBounds = set_bounds;
  args.createLeaf = create_leaf;
  args.splitPrimitive = NULL;
  const double s0 = now_ms();
  const Node *tree = rtcBuildBVH(&args);
  const double sahBuildMs = now_ms() - s0;
  double cost = 0;
  unsigned leaves = 0, inner = 0;
  if (tree != NULL) sah_walk(tree, area(&root), &cost, &leaves, &inner);

  cost /= area(&root);

  printf("{\"embree\":\"%d.%d.%d\",\"triangles\":%u,\"buildMs\":%.3f,"
         "\"primaryMs\":%.3f,\"primaryRays\":%zu,\"primaryHits\":%zu,"
         "\"shadowMs\":%.3f,\"shadowRays\":%zu,\"shadowOccluded\":%zu,"
         "\"incoherentMs\":%.3f,\"incoherentRays\":%zu,\"incoherentHits\":%zu,"
         "\"binarySah\":{\"triangles\":%u,\"cost\":%.4f,\"innerNodes\":%u,\"leaves\":%u,"
         "\"maxLeafSize\":4,\"buildMs\":%.3f}}\n",
         RTC_VERSION_MAJOR, RTC_VERSION_MINOR, RTC_VERSION_PATCH, nt, buildMs, primaryMs,
         pixels, primaryHits, shadowMs, shadowRays, occluded, incoherentMs, incoherentRays,
         incoherentHits, sah_nt, cost, inner, leaves, sahBuildMs);
  rtcReleaseBVH(bvh);
  free(prims);
  free(hits);
  free(lights);
  rtcReleaseGeometry(geom);
  rtcReleaseScene(scene);
  rtcReleaseDevice(device);
  return 0;
}
