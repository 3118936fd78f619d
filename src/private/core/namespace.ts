/**
 * Namespaces in the construct tree that do not take part in logical IDs.
 *
 * aws-cdk-lib derives a resource's logical ID from its construct path (the stack-relative ids, hashed), so moving
 * a resource under a grouping construct would give it a new logical ID, and CloudFormation would replace it (a
 * named resource cannot even be replaced in place). A `Namespace` groups the platform's parts (data, compute,
 * workflow, ...) so the tree shows the architecture, while every CloudFormation element below it keeps the logical
 * ID it would have without the namespace: the ID is computed from the path with the namespaces' ids left out, with
 * aws-cdk-lib's own algorithm (`Names.uniqueId`), and set with `overrideLogicalId`.
 *
 * The IDs are set before anything resolves them: `settleLogicalIds` runs before each resolve at construction time
 * (the compliance helpers and `ManagedPolicyRole` resolve statements that name resources), and an aspect of every
 * namespace covers elements added later (e.g. a bucket policy a consumer's grant creates). An element whose logical
 * ID was overridden by someone else (the outputs', a consumer's) is left alone.
 */
import { AspectPriority, Aspects, CfnElement, IAspect, Names, Stack } from 'aws-cdk-lib';
import { Construct, IConstruct, RootConstruct } from 'constructs';

const NAMESPACE = Symbol.for('@sanders/batch-platform.Namespace');

/** The namespaces of each stack, so a settle walks only their subtrees. */
const namespacesOf = new WeakMap<Stack, Namespace[]>();
/** Elements whose logical ID has been settled. */
const settled = new WeakSet<CfnElement>();

/** A grouping construct whose id is left out of the logical IDs of the elements below it. */
export class Namespace extends Construct {
  /** Whether `x` is a namespace. */
  public static isNamespace(x: unknown): boolean {
    return typeof x === 'object' && x !== null && NAMESPACE in x;
  }

  constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, NAMESPACE, { value: true });
    const stack = Stack.of(this);
    namespacesOf.set(stack, [...(namespacesOf.get(stack) ?? []), this]);
    // Before any read-only aspect (a rule pack) reads a logical ID.
    Aspects.of(this).add(new SettleLogicalIds(), { priority: AspectPriority.MUTATING });
  }
}

class SettleLogicalIds implements IAspect {
  public visit(node: IConstruct): void {
    if (CfnElement.isCfnElement(node)) settle(node as CfnElement);
  }
}

/** The stack-relative ids of a construct's path, without the namespaces. */
function logicalPathComponents(construct: IConstruct): string[] {
  const scopes = construct.node.scopes;
  const stack = Stack.of(construct);
  return scopes.slice(scopes.indexOf(stack) + 1).filter(s => !Namespace.isNamespace(s)).map(s => s.node.id);
}

/** aws-cdk-lib's unique id of a path (the one `Stack.allocateLogicalId` uses), from a detached tree of those ids. */
export function uniqueIdOfPath(components: string[]): string {
  let leaf: Construct = new RootConstruct();
  for (const id of components) leaf = new Construct(leaf, id);
  return Names.uniqueId(leaf);
}

/** The logical ID the stack would allocate to the element if no namespace were in its path. */
export function logicalIdWithoutNamespaces(element: CfnElement): string {
  return uniqueIdOfPath(logicalPathComponents(element));
}

/** A construct's path (as `node.path` gives it) without the namespaces' ids. */
export function pathWithoutNamespaces(construct: IConstruct): string {
  return construct.node.scopes.filter(s => s.node.id !== '' && !Namespace.isNamespace(s)).map(s => s.node.id).join('/');
}

function settle(element: CfnElement): void {
  if (settled.has(element)) return;
  settled.add(element);
  if (!element.node.scopes.some(s => Namespace.isNamespace(s))) return;
  const stack = Stack.of(element);
  // Still the ID the stack allocates from the path: nobody has overridden it.
  if (stack.resolve(element.logicalId) === stack.getLogicalId(element)) {
    element.overrideLogicalId(logicalIdWithoutNamespaces(element));
  }
}

/** Gives every element created so far below the stack's namespaces its logical ID; call before resolving. */
export function settleLogicalIds(scope: IConstruct): void {
  for (const namespace of namespacesOf.get(Stack.of(scope)) ?? []) {
    for (const node of namespace.node.findAll()) {
      if (CfnElement.isCfnElement(node)) settle(node as CfnElement);
    }
  }
}
