import {
  type BaseNode,
  IFNode,
  LIFNode,
  type LIFOptions,
  type NodeOptions,
  ParametricLIFNode,
  type PLIFOptions,
} from './node.js';

/** Builds a node of one neuron type from its options (as a model's config gives them). */
export type NeuronFactory<O extends NodeOptions = NodeOptions> = (options: O) => BaseNode;

const FACTORIES = new Map<string, NeuronFactory<any>>([
  ['IF', (o: NodeOptions) => new IFNode(o)],
  ['LIF', (o: LIFOptions) => new LIFNode(o)],
  ['PLIF', (o: PLIFOptions) => new ParametricLIFNode(o)],
]);

/**
 * Adds a neuron type under `name`, so that `@synaptogen/nn`'s `Neuron` layer and models stored as
 * data can build it by name. Names are unique: the built-ins (IF, LIF, PLIF) cannot be replaced.
 */
export function registerNeuron<O extends NodeOptions>(name: string, factory: NeuronFactory<O>): void {
  if (typeof name !== 'string' || !/^[A-Za-z][\w-]*$/.test(name))
    throw new Error(`registerNeuron: name must be a word such as 'QIF', got ${JSON.stringify(name)}`);
  if (typeof factory !== 'function')
    throw new Error(`registerNeuron: the factory of '${name}' must be a function (options) => node`);
  if (FACTORIES.has(name)) throw new Error(`registerNeuron: a neuron named '${name}' is already registered`);
  FACTORIES.set(name, factory);
}

/** Builds a registered neuron type; throws for a name nobody registered. */
export function createNeuron(name: string, options: NodeOptions = {}): BaseNode {
  const factory = FACTORIES.get(name);
  if (!factory)
    throw new Error(
      `unknown neuron type "${name}"; expected one of ${neuronTypes().join(', ')} (add one with registerNeuron)`,
    );
  return factory(options);
}

/** The registered neuron type names, built-ins first. */
export function neuronTypes(): string[] {
  return [...FACTORIES.keys()];
}
