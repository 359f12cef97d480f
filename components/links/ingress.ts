// Security-group rules that let the other linked sites in, one rule per port whose sources are a
// prefix list, on the site's own cluster security group: the EKS cluster security group (control-plane ENIs,
// managed nodes and pods) or the ACK cluster security group (nodes and Terway ENI pods). What is
// let in is what the fleet layers dial across the links (stated by the fleet in `IngressNeed`s),
// from the prefixes the dialling site's pods and nodes leave from, nothing wider.
import * as alicloud from "../core/sdk/alicloud";
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { byText } from "../core/order";

/** One port of a site that other sites dial over the links, and who dials it for what. */
export interface IngressNeed {
    /** The site whose security group takes the rule. */
    site: string;
    port: number;
    /** The dialling site and the prefixes its traffic leaves from (nodes/VPC, routable pods). */
    from: { site: string; cidrs: string[] };
    purpose: string;
}

/** One port of a site: the prefixes it is dialled from (each with its dialling site) and every purpose. */
export interface IngressPort {
    port: number;
    sources: { cidr: string; site: string }[];
    purposes: string[];
}

/** The ports of one site, needs merged per port, ports and prefixes sorted, so names are stable. */
export function ingressPorts(needs: IngressNeed[], site: string): IngressPort[] {
    const byPort = new Map<number, IngressPort>();
    for (const n of needs.filter((x) => x.site === site)) {
        const p = byPort.get(n.port) ?? { port: n.port, sources: [], purposes: [] };
        for (const cidr of n.from.cidrs) if (!p.sources.some((s) => s.cidr === cidr)) p.sources.push({ cidr, site: n.from.site });
        if (!p.purposes.includes(n.purpose)) p.purposes.push(n.purpose);
        byPort.set(n.port, p);
    }
    for (const p of byPort.values()) p.sources.sort((a, b) => byText(a.cidr, b.cidr));
    return [...byPort.values()].sort((a, b) => a.port - b.port);
}

// Security group rule descriptions: 255 characters at most (EC2 and ECS), printable ASCII.
const describe = (p: IngressPort) => p.purposes.join("; ").slice(0, 255);
// Prefix-list entry descriptions: 255 characters on EC2, 2 to 32 on ECS.
const entryDescription = (site: string, max: number) => `from ${site}`.slice(0, max);

export interface LinkIngressArgs {
    kind: "aws" | "alicloud";
    securityGroupId: pulumi.Input<string>;
    ports: IngressPort[];
}

export class LinkIngress extends pulumi.ComponentResource {
    constructor(name: string, args: LinkIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:LinkIngress", name, {}, opts);
        const parent = { parent: this };
        for (const p of args.ports) {
            // The sources as one prefix list and one rule per port: a site more in the fleet is an
            // entry more, not a rule more on every security group. Quotas still count the list's
            // maxEntries as rules (EC2 "Prefix lists" quotas; ECS likewise).
            if (args.kind === "aws") {
                const sources = new aws.ec2.ManagedPrefixList(
                    `${name}-${p.port}-sources`,
                    {
                        name: `${name}-${p.port}-sources`,
                        addressFamily: "IPv4",
                        maxEntries: p.sources.length,
                        entries: p.sources.map((s) => ({ cidr: s.cidr, description: entryDescription(s.site, 255) })),
                        tags: { Name: `${name}-${p.port}-sources` },
                    },
                    parent,
                );
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-${p.port}`,
                    {
                        securityGroupId: args.securityGroupId,
                        ipProtocol: "tcp",
                        fromPort: p.port,
                        toPort: p.port,
                        prefixListId: sources.id,
                        description: describe(p),
                    },
                    parent,
                );
            } else {
                const sources = new alicloud.ecs.EcsPrefixList(
                    `${name}-${p.port}-sources`,
                    {
                        prefixListName: `${name}-${p.port}-sources`,
                        addressFamily: "IPv4",
                        maxEntries: p.sources.length,
                        entries: p.sources.map((s) => ({ cidr: s.cidr, description: entryDescription(s.site, 32) })),
                    },
                    parent,
                );
                new alicloud.ecs.SecurityGroupRule(
                    `${name}-${p.port}`,
                    {
                        securityGroupId: args.securityGroupId,
                        type: "ingress",
                        ipProtocol: "tcp",
                        portRange: `${p.port}/${p.port}`,
                        prefixListId: sources.id,
                        // VPC traffic: the links arrive through the VPC (transit router, VPN gateway).
                        nicType: "intranet",
                        policy: "accept",
                        priority: 1,
                        description: describe(p),
                    },
                    parent,
                );
            }
        }
        this.registerOutputs({});
    }
}
