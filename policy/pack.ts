// The platform's rules (policies.ts) as CrossGuard policies. Kept apart from `new PolicyPack`
// (index.ts), which serves the pack as soon as it is constructed.
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { fleetPolicies, PolicyTarget } from "./policies";

function fromArgs(args: ResourceValidationArgs | PolicyResource): PolicyTarget {
    return {
        urn: args.urn,
        type: args.type,
        name: args.name,
        props: args.props,
        protect: args.opts.protect,
        provider: "provider" in args && args.provider ? args.provider.name : undefined,
        dependencies: "dependencies" in args ? args.dependencies.map((d) => d.urn) : [],
    };
}

export const crossGuardPolicies = fleetPolicies.flatMap((p): (ResourceValidationPolicy | StackValidationPolicy)[] => {
    const base = { description: p.description, enforcementLevel: p.enforcementLevel };
    const out: (ResourceValidationPolicy | StackValidationPolicy)[] = [];
    if (p.validateResource) {
        out.push({
            ...base,
            name: p.name,
            validateResource: (args, report) => {
                if (p.offlineOnly) args.notApplicable(p.offlineOnly);
                p.validateResource!(fromArgs(args), (message) => report(message));
            },
        });
    }
    if (p.validateStack) {
        out.push({
            ...base,
            name: p.validateResource ? `${p.name}-stack` : p.name,
            validateStack: (args, report) => p.validateStack!(args.resources.map(fromArgs), (message, urn) => report(message, urn)),
        });
    }
    return out;
});
