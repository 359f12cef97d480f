// Pulumi URNs and the aliases the engine derives from them, as the engine computes them
// (pkg/resource/deploy/step_generator.go collapseAliasToUrn, generateAliases, inheritedChildAlias;
// sdk/go/common/resource/urn.go NewURN): the offline plan matches a renamed resource to its old URN
// the way `pulumi up` will.

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may itself contain "::". */
export interface UrnParts {
    stack: string;
    project: string;
    /** The parent's qualified type and the resource's type joined by `$` (the root stack is never a prefix). */
    qualifiedType: string;
    name: string;
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

const URN = /^urn:pulumi:(.*?)::(.*?)::(.*?)::(.*)$/s;

export function parseUrn(urn: string): UrnParts {
    const m = URN.exec(urn);
    if (!m) throw new Error(`not a Pulumi URN: ${urn}`);
    return { stack: m[1], project: m[2], qualifiedType: m[3], name: m[4] };
}

/** The resource name in a URN, for display (an engine event's, a policy violation's); what is no URN is shown as it is. */
export function urnName(urn: string): string {
    return URN.exec(urn)?.[4] ?? urn;
}

/** `urn::id` provider reference -> provider URN. */
export function providerUrn(reference: string): string {
    const cut = reference.lastIndexOf("::");
    return cut > 0 ? reference.slice(0, cut) : reference;
}

/** A resource's URN from its parent's URN (if any), its type and name. */
export function makeUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    const parentType = parent ? parseUrn(parent).qualifiedType : undefined;
    const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** An alias as the SDK sends it (alias.proto): a whole URN, or a spec whose empty fields are the resource's own. */
export type AliasSpec = { urn: string } | { name?: string; type?: string; stack?: string; project?: string; parentUrn?: string; noParent?: boolean };

/** The URN an alias stands for, for a resource registered as (stack, project, parent, type, name). */
export function collapseAlias(alias: AliasSpec, self: { stack: string; project: string; parent: string | undefined; type: string; name: string }): string {
    if ("urn" in alias) return alias.urn;
    const parent = alias.noParent ? undefined : alias.parentUrn || self.parent;
    return makeUrn(alias.stack || self.stack, alias.project || self.project, parent, alias.type || self.type, alias.name || self.name);
}

/**
 * The alias a child gets from one of its parent's aliases: the same child under the parent's old
 * URN, its name's parent prefix renamed with the parent (the `<parent>-<part>` naming convention).
 */
export function inheritedChildAlias(child: { type: string; name: string }, parentName: string, parentAlias: string): string {
    const p = parseUrn(parentAlias);
    const name = child.name.startsWith(parentName) ? p.name + child.name.slice(parentName.length) : child.name;
    return makeUrn(p.stack, p.project, parentAlias, child.type, name);
}
