declare module 'lz4js' {
  /** Decompresses an LZ4 frame; maxSize defaults to a bound read from the frame. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  export function decompressBound(src: Uint8Array): number;
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}
