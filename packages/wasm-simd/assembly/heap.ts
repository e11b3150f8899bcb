// Entry of the in-heap variant (src/heap-instance.ts): the kernels that run inside tfjs-backend-wasm's
// own memory, on its tensors, without copies. That memory belongs to tfjs, so this module must own
// nothing in it: no data segments (the build checks), no static buffers, only arguments' pointers.
export * from './neurons';
export * from './adam';
export * from './gradr';
export * from './compare';
export * from './channel-scores';
