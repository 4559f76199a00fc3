// noUncheckedIndexedAccess types every element of a typed array as possibly undefined, though the index reads only
// positions its loops keep in bounds. These accessors say so once. One function per array type keeps each one
// monomorphic, so V8 inlines it into a plain load in the hot loops; one generic accessor would see every array type
// and slow them all.

/** Element `i` of an Int8Array, in bounds. */
export const i8 = (array: Int8Array, i: number): number => array[i] as number;
/** Element `i` of a Uint8Array, in bounds. */
export const u8 = (array: Uint8Array, i: number): number => array[i] as number;
/** Element `i` of a Uint16Array, in bounds. */
export const u16 = (array: Uint16Array, i: number): number => array[i] as number;
/** Element `i` of a Uint32Array, in bounds. */
export const u32 = (array: Uint32Array, i: number): number => array[i] as number;
/** Element `i` of an Int32Array, in bounds. */
export const i32 = (array: Int32Array, i: number): number => array[i] as number;
/** Element `i` of a Float32Array, in bounds. */
export const f32 = (array: Float32Array, i: number): number => array[i] as number;
/** Element `i` of a Float64Array, in bounds. */
export const f64 = (array: Float64Array, i: number): number => array[i] as number;

/** Adds one to counter `i`. */
export function increment(counts: Uint32Array | Int32Array, i: number): void {
  counts[i] = (counts[i] as number) + 1;
}
