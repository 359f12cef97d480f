// Security-group rules that let the other linked sites in, one rule per port and source prefix,
// on the site's own cluster security group: the EKS cluster security group (control-plane ENIs,
// managed nodes and pods) or the ACK cluster security group (nodes and Terway ENI pods). What is
// let in is what the fleet layers dial across the links (stated by the fleet in `IngressNeed`s),
// from the prefixes the dialling site's pods and nodes leave from, nothing wider.
import * as alicloud from "@pulumi/alicloud";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One port of a site that other sites dial over the links, and who dials it for what. */
export interface IngressNeed {
    /** The site whose security group takes the rule. */
    site: string;
    port: number;
    /** The dialling site and the prefixes its traffic leaves from (nodes/VPC, routable pods). */
    from: { site: string; cidrs: string[] };
    purpose: string;
}

/** One rule: a TCP port from one prefix, with every purpose that needs it. */
export interface IngressRule {
    port: number;
    cidr: string;
    purposes: string[];
}

/** The rules of one site: needs merged per (port, prefix), sorted, so a rule's name is stable. */
export function ingressRules(needs: IngressNeed[], site: string): IngressRule[] {
    const byKey = new Map<string, IngressRule>();
    for (const n of needs.filter((x) => x.site === site)) {
        for (const cidr of n.from.cidrs) {
            const key = `${n.port}/${cidr}`;
            const r = byKey.get(key) ?? { port: n.port, cidr, purposes: [] };
            if (!r.purposes.includes(n.purpose)) r.purposes.push(n.purpose);
            byKey.set(key, r);
        }
    }
    return [...byKey.values()].sort((a, b) => a.port - b.port || a.cidr.localeCompare(b.cidr));
}

const ruleName = (name: string, r: IngressRule) => `${name}-${r.port}-${r.cidr.replace(/[./]/g, "-")}`;
// Security group rule descriptions: 255 characters at most (EC2 and ECS), printable ASCII.
const describe = (r: IngressRule) => r.purposes.join("; ").slice(0, 255);

export interface LinkIngressArgs {
    kind: "aws" | "alicloud";
    securityGroupId: pulumi.Input<string>;
    rules: IngressRule[];
}

export class LinkIngress extends pulumi.ComponentResource {
    constructor(name: string, args: LinkIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:LinkIngress", name, {}, opts);
        for (const r of args.rules) {
            if (args.kind === "aws") {
                new aws.vpc.SecurityGroupIngressRule(
                    ruleName(name, r),
                    { securityGroupId: args.securityGroupId, ipProtocol: "tcp", fromPort: r.port, toPort: r.port, cidrIpv4: r.cidr, description: describe(r) },
                    { parent: this },
                );
            } else {
                new alicloud.ecs.SecurityGroupRule(
                    ruleName(name, r),
                    {
                        securityGroupId: args.securityGroupId,
                        type: "ingress",
                        ipProtocol: "tcp",
                        portRange: `${r.port}/${r.port}`,
                        cidrIp: r.cidr,
                        // VPC traffic: the links arrive through the VPC (transit router, VPN gateway).
                        nicType: "intranet",
                        policy: "accept",
                        priority: 1,
                        description: describe(r),
                    },
                    { parent: this },
                );
            }
        }
        this.registerOutputs({});
    }
}
