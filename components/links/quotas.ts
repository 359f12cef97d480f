// AWS's default quotas the links' prefix lists count against, and the warnings the plan prints when a
// fleet outgrows them. Amazon VPC quotas: a referenced prefix list counts as its maximum number of
// entries ("Prefix lists": "if you reference a prefix list with 20 maximum entries in a security group
// rule, this counts as 20 security group rules"); "Routes per route table" 50 and "Inbound rules per
// security group" 60 by default, both adjustable on request. Pure: the links plan in, text out.
import type { IngressNeed } from "./ingress";
import { ingressPorts } from "./ingress";
import type { LinksPlan } from "./plan";

export const AWS_DEFAULT_QUOTAS = { routesPerRouteTable: 50, inboundRulesPerSecurityGroup: 60 } as const;

/** A private route table's own routes besides the links' list: the VPC's local route and the NAT default route. */
const OWN_ROUTES = 2;

/** Every prefix a site reaches over its links (deduplicated: through a transit site two links may lead to one prefix). */
export function remotePrefixesOf(plan: LinksPlan, site: string): string[] {
    return [...new Set(plan.links.flatMap((l) => (l.a.name === site ? l.routesTo.a : l.b.name === site ? l.routesTo.b : [])))];
}

/** One line per EKS site whose links exceed an AWS default quota: raise the quota before `pulumi up`. */
export function awsQuotaWarnings(plan: LinksPlan, ingress: IngressNeed[]): string[] {
    const out: string[] = [];
    const eksSites = [
        ...new Set(
            plan.links
                .flatMap((l) => [l.a, l.b])
                .filter((s) => s.kind === "eks")
                .map((s) => s.name),
        ),
    ].sort();
    for (const site of eksSites) {
        const routes = remotePrefixesOf(plan, site).length + OWN_ROUTES;
        if (routes > AWS_DEFAULT_QUOTAS.routesPerRouteTable)
            out.push(
                `${site}: each private route table holds ${routes} routes (its prefix list of remote prefixes counts as its entries), over AWS's default of ${AWS_DEFAULT_QUOTAS.routesPerRouteTable} routes per route table: raise the quota first`,
            );
        const rules = ingressPorts(ingress, site).reduce((n, p) => n + p.sources.length, 0);
        if (rules > AWS_DEFAULT_QUOTAS.inboundRulesPerSecurityGroup)
            out.push(
                `${site}: the links let other sites in with ${rules} inbound rules on the cluster security group (each port's prefix list counts as its entries), over AWS's default of ${AWS_DEFAULT_QUOTAS.inboundRulesPerSecurityGroup}: raise the quota first`,
            );
    }
    return out;
}
