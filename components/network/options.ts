// What the networking add-ons read of a cluster: the CNI options and the tenants, as plain types
// owned here (the fleet spec's validated values are assignable to them), and the small derivations
// the renderers and the spec rules share.

export interface BgpPeer {
    /** The BGPPeer's name, e.g. `rack-a-tor-1`. */
    name: string;
    /** The ToR switch's address. */
    peerIp: string;
    asNumber: number;
    /** Nodes that peer with it, as a Calico selector; unset = every node (a global peer). */
    nodeSelector?: string | undefined;
}

/** BGP to the racks' switches: the cluster's AS and its peers. */
export interface BgpOptions {
    asNumber: number;
    peers: BgpPeer[];
}

export type CalicoEncapsulation = "None" | "VXLANCrossSubnet" | "VXLAN" | "IPIPCrossSubnet" | "IPIP";

export interface CalicoPoolOptions {
    name: string;
    cidr: string;
    nodeSelector: string;
    namespaces: string[];
    blockSize?: number | undefined;
}

export interface CalicoOptions {
    blockSize: number;
    natOutgoing: boolean;
    ipPools: CalicoPoolOptions[];
    encapsulation?: CalicoEncapsulation | undefined;
    defaultPoolCidr?: string | undefined;
    bgp?: BgpOptions | undefined;
}

export interface CiliumOptions {
    nodeMaskSize: number;
    clusterId?: number | undefined;
    bgp?: BgpOptions | undefined;
}

/** Another workload a tenant may talk to: pods with these labels in that namespace. */
export interface TenantPeer {
    namespace: string;
    podLabels: Record<string, string>;
    ports: { port: number; protocol: "TCP" | "UDP" | "SCTP" }[];
}

/** A namespace that gets the zero-trust baseline (default deny, DNS allow, quota). */
export interface TenantSpec {
    namespace: string;
    podSecurity: "restricted" | "baseline" | "privileged";
    allowFrom: TenantPeer[];
    allowTo: TenantPeer[];
    quota: {
        requestsCpu: string;
        requestsMemory: string;
        limitsCpu: string;
        limitsMemory: string;
        pods: number;
        servicesLoadBalancers: number;
        servicesNodePorts: number;
    };
    containerDefaults: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
}

/** How an IDC Cilium cluster routes pod traffic between nodes: BGP to the racks, or direct routes on one L2 segment. */
export function ciliumRouting(c: { network: { cilium: CiliumOptions } }): "bgp" | "directRoutes" {
    return c.network.cilium.bgp ? "bgp" : "directRoutes";
}

/** A Kubernetes label selector (metav1.LabelSelector), as Cilium's BGP resources take it. */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

const SELECTOR_KEY = "[A-Za-z0-9_./-]+";
const SELECTOR_VALUE = `'[^']*'|"[^"]*"`;
/** apimachinery IsValidLabelValue: what matchLabels and matchExpressions values may be. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The Kubernetes label selector equal to a Calico selector, or undefined when a label selector
 * cannot say it. Translates a conjunction (&&) of `k == 'v'` (matchLabels), `k != 'v'` and
 * `k not in {...}` (NotIn: like Calico, it also matches nodes without the label), `k in {...}` (In),
 * `has(k)` (Exists), `!has(k)` (DoesNotExist); `all()` alone is the empty selector. `||`, `!`
 * over an expression and parentheses have no label-selector form.
 */
export function labelSelectorOf(selector: string): LabelSelector | undefined {
    const text = selector.trim();
    if (/^all\(\s*\)$/.test(text)) return {};
    const matchLabels: Record<string, string> = {};
    const matchExpressions: NonNullable<LabelSelector["matchExpressions"]> = [];
    const unquote = (v: string) => v.slice(1, -1);
    const values = (set: string) => (set.trim() === "" ? [] : set.split(",").map((v) => v.trim()));
    for (const term of text.split("&&").map((t) => t.trim())) {
        let m: RegExpMatchArray | null;
        if ((m = term.match(new RegExp(`^has\\(\\s*(${SELECTOR_KEY})\\s*\\)$`)))) matchExpressions.push({ key: m[1], operator: "Exists" });
        else if ((m = term.match(new RegExp(`^!\\s*has\\(\\s*(${SELECTOR_KEY})\\s*\\)$`)))) matchExpressions.push({ key: m[1], operator: "DoesNotExist" });
        else if ((m = term.match(new RegExp(`^(${SELECTOR_KEY})\\s*(==|!=)\\s*(${SELECTOR_VALUE})$`)))) {
            const [key, op, value] = [m[1], m[2], unquote(m[3])];
            if (op === "!=") matchExpressions.push({ key, operator: "NotIn", values: [value] });
            else if (key in matchLabels) matchExpressions.push({ key, operator: "In", values: [value] });
            else matchLabels[key] = value;
        } else if ((m = term.match(new RegExp(`^(${SELECTOR_KEY})\\s+(not\\s+in|in)\\s*\\{\\s*((?:(?:${SELECTOR_VALUE})\\s*,?\\s*)*)\\}$`)))) {
            const set = values(m[3]);
            // Kubernetes requires values for In and NotIn (apimachinery ValidateLabelSelectorRequirement).
            if (set.length === 0 || !set.every((v) => new RegExp(`^(${SELECTOR_VALUE})$`).test(v))) return undefined;
            matchExpressions.push({ key: m[1], operator: m[2] === "in" ? "In" : "NotIn", values: set.map(unquote) });
        } else return undefined;
    }
    const all = [...Object.values(matchLabels), ...matchExpressions.flatMap((e) => e.values ?? [])];
    if (!all.every((v) => v.length <= 63 && LABEL_VALUE.test(v))) return undefined;
    return {
        ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
        ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
    };
}

/** The default Calico pool of a cluster: calico.defaultPoolCidr, else the whole pod CIDR. */
export function defaultPoolCidr(c: { network: { podCidr: string; calico: CalicoOptions } }): string {
    return c.network.calico.defaultPoolCidr ?? c.network.podCidr;
}
