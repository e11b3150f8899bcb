export * from './conv';
export * from './neurons';
export * from './spikes';
export * from './sparse';
export * from './pool';
