// The nodes' own security group, as terraform-aws-eks makes one (modules' node_groups.tf,
// "node_security_group_recommended_rules"): the system nodes' launch template and Karpenter's nodes
// (found by the discovery tag) get this group only, not the EKS-created cluster security group,
// which admits everything from every member. The control plane reaches the nodes only on the ports
// below; the nodes reach the API server on 443; nodes (and, with VPC CNI custom networking, their
// pods) talk to each other freely; egress is open (image pulls, AWS APIs without VPC endpoints).
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * TCP ports the control plane (the cluster security group, on its ENIs) may open on the nodes: the
 * kubelet, and webhook / aggregated API servers behind Services (443 and the usual target ports:
 * 4443 metrics-server, 5443 calico-apiserver, 6443/8443/9443 common webhooks, 15017 istiod's
 * injection webhook). terraform-aws-eks' recommended rules have all but 5443 and 15017.
 */
export const CONTROL_PLANE_TO_NODE_PORTS: readonly { port: number; why: string }[] = [
    { port: 443, why: "webhooks and extension API servers on 443" },
    { port: 4443, why: "metrics-server" },
    { port: 5443, why: "calico-apiserver" },
    { port: 6443, why: "webhooks on 6443" },
    { port: 8443, why: "webhooks on 8443" },
    { port: 9443, why: "webhooks on 9443" },
    { port: 10250, why: "kubelet API (logs, exec, metrics)" },
    { port: 15017, why: "istiod sidecar injection webhook" },
];

export interface NodeSecurityGroupRule {
    key: string;
    direction: "ingress" | "egress";
    /** Where it applies: the node group, or the EKS cluster security group (the API server's side). */
    on: "nodes" | "cluster";
    protocol: "tcp" | "-1";
    port?: number;
    /** The peer: the other group, the node group itself, or anywhere (IPv4). */
    peer: "cluster" | "nodes" | "anywhere";
    description: string;
}

/** Every rule, as data (pure: the component declares one resource per entry). */
export function nodeSecurityGroupRules(): NodeSecurityGroupRule[] {
    return [
        ...CONTROL_PLANE_TO_NODE_PORTS.map((p): NodeSecurityGroupRule => ({
            key: `cluster-${p.port}`,
            direction: "ingress",
            on: "nodes",
            protocol: "tcp",
            port: p.port,
            peer: "cluster",
            description: `control plane to nodes: ${p.why}`,
        })),
        { key: "self", direction: "ingress", on: "nodes", protocol: "-1", peer: "nodes", description: "node to node (and pod to pod), all protocols" },
        { key: "egress", direction: "egress", on: "nodes", protocol: "-1", peer: "anywhere", description: "nodes to anywhere (IPv4)" },
        { key: "api", direction: "ingress", on: "cluster", protocol: "tcp", port: 443, peer: "nodes", description: "nodes to the API server" },
    ];
}

export interface NodeSecurityGroupInputs {
    cluster: string;
    vpcId: pulumi.Input<string>;
    clusterSecurityGroupId: pulumi.Input<string>;
    /** Karpenter's security group selector tag (key; the value is the cluster's name). */
    discoveryTag: string;
    tags: Record<string, string>;
}

/** Declares the node security group and its rules as children of `owner`, names prefixed with `name`. */
export function declareNodeSecurityGroup(owner: pulumi.ComponentResource, name: string, a: NodeSecurityGroupInputs): aws.ec2.SecurityGroup {
    const parent = { parent: owner };
    const sg = new aws.ec2.SecurityGroup(
        `${name}-node-sg`,
        {
            vpcId: a.vpcId,
            description: `${a.cluster}: EKS nodes`,
            revokeRulesOnDelete: true,
            // kubernetes.io/cluster/<name>: the load balancer controllers add their rules to the one
            // group on a node that carries it (AWS Load Balancer Controller docs, "Security group for nodes").
            tags: { ...a.tags, Name: `${a.cluster}-node`, [`kubernetes.io/cluster/${a.cluster}`]: "owned", [a.discoveryTag]: a.cluster },
        },
        parent,
    );
    const groupOf = (which: "cluster" | "nodes") => (which === "nodes" ? sg.id : a.clusterSecurityGroupId);
    for (const r of nodeSecurityGroupRules()) {
        const common = {
            securityGroupId: groupOf(r.on),
            ipProtocol: r.protocol,
            ...(r.port !== undefined ? { fromPort: r.port, toPort: r.port } : {}),
            ...(r.peer === "anywhere" ? { cidrIpv4: "0.0.0.0/0" } : { referencedSecurityGroupId: groupOf(r.peer) }),
            description: r.description,
            tags: a.tags,
        };
        const ruleName = `${name}-node-sg-${r.key}`;
        if (r.direction === "ingress") new aws.vpc.SecurityGroupIngressRule(ruleName, common, parent);
        else new aws.vpc.SecurityGroupEgressRule(ruleName, common, parent);
    }
    return sg;
}
