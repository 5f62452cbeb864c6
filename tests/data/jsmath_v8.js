// Writes jsmath_v8.json: Math.sin, cos, log, exp, expm1 and tanh of a fixed set of arguments,
// every double as the hex of its 64 bits. Run from the repository root:
//   node tests/data/jsmath_v8.js > tests/data/jsmath_v8.json
"use strict";

const bits = (v) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b.readBigUInt64LE().toString(16).padStart(16, "0");
};

// A fixed stream of uniform values in [0, 1): a 32-bit xorshift, two draws per value.
let state = 2463534242;
const next32 = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state;
};
const uniform = () => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53;
const between = (a, b) => a + (b - a) * uniform();

const xs = [];
const add = (count, draw) => { for (let i = 0; i < count; i++) xs.push(draw()); };
add(600, () => between(-1, 1));           // the features' and tanh's usual range
add(600, () => between(-8, 8));
add(300, () => between(0, 2 * Math.PI));   // circle angles
add(200, () => between(-40, 40));          // tanh up to saturation, expm1's branches
add(200, () => between(-750, 750));        // exp up to overflow and underflow
add(150, () => between(-1e6, 1e6));        // sin and cos to the end of the full reduction
add(150, () => (uniform() < 0.5 ? -1 : 1) * 10 ** between(-30, -4));
add(150, () => 10 ** between(-310, 308));  // log over every exponent, subnormals too
for (let n = 1; n <= 40; n++) {            // next to multiples of pi/2, where reduction cancels
  for (const d of [0, 1e-15, -1e-15, 1e-9, -1e-9]) {
    xs.push(n * Math.PI / 2 + d, -(n * Math.PI / 2 + d));
  }
}
xs.push(0, -0, 1, -1, 0.5, 2, 22, -22, 709.78, 709.79, -745.1, -745.2, 1e-300, 5e-324,
        Infinity, -Infinity, NaN, 0.3, 0.78125, Math.PI / 4, 3 * Math.PI / 4, 1.0397207708399179,
        0.34657359027997264, 38.816242111356935, -38.816242111356935);

const functions = ["sin", "cos", "log", "exp", "expm1", "tanh"];
const out = { node: process.version, v8: process.versions.v8, x: xs.map(bits) };
for (const f of functions) out[f] = xs.map((v) => bits(Math[f](v)));
process.stdout.write(JSON.stringify(out) + "\n");
