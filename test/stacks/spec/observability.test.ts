// The monitoring rules of the fleet spec: each rejects what it must with `<path>: <rule>`, and the
// checked-in stacks stay valid with the observability defaults applied.
import * as assert from "assert";
import { bucketPlacements } from "../../../components/observability/render";
import { parseFleet, secretConfigKeys } from "../../../stacks/spec";
import { assertViolation, loadStackSpec, rawStackFleet, violationsAfter } from "../../harness";

const IDC = 0;
const EKS = 1;

describe("observability spec", () => {
    it("applies the defaults and reads prod's receivers (webhook URLs are secret config keys)", () => {
        const dev = parseFleet(rawStackFleet("dev"));
        assert.ok(dev.ok);
        assert.deepStrictEqual(dev.spec.observability, {
            prometheus: { retention: "24h" },
            compactor: { retention: { raw: "30d", fiveMinutes: "90d", oneHour: "1y" }, downsampling: true },
            storeGateway: { replicas: 2 },
            query: { replicas: 2 },
            sharedBuckets: false,
            alertmanager: { receivers: [] },
        });
        const prod = loadStackSpec("prod");
        assert.deepStrictEqual(
            prod.observability.alertmanager.receivers.map((r) => r.webhookUrlKey),
            ["alertWebhookOncall", "alertWebhookChat"],
        );
        for (const k of ["alertWebhookOncall", "alertWebhookChat"]) assert.ok(secretConfigKeys(prod).includes(k), k);
    });

    it("rejects a local retention under 6h and malformed durations", () => {
        assertViolation(
            violationsAfter((f) => (f.observability = { prometheus: { retention: "4h" } })),
            "observability.prometheus.retention: must be at least 6h (three 2h blocks kept locally while the sidecar uploads them)",
        );
        assert.ok(parseFleet({ ...rawStackFleet("prod"), observability: { prometheus: { retention: "6h" } } }).ok, "6h is enough");
        assertViolation(
            violationsAfter((f) => (f.observability = { prometheus: { retention: "1d; rm -rf /" } })),
            'observability.prometheus.retention: must be a duration like "6h", "30d", "2w" or "1y"',
        );
    });

    it("rejects compactor retentions Thanos refuses with downsampling on", () => {
        const v = violationsAfter((f) => (f.observability = { compactor: { retention: { raw: "1d", fiveMinutes: "7d" } } }));
        assertViolation(v, "observability.compactor.retention.raw: must be 0d or at least 40h with downsampling on (Thanos downsamples after that age)");
        assertViolation(
            v,
            "observability.compactor.retention.fiveMinutes: must be 0d or at least 240h with downsampling on (Thanos downsamples after that age)",
        );
        assert.ok(
            parseFleet({ ...rawStackFleet("prod"), observability: { compactor: { retention: { raw: "1d", fiveMinutes: "7d" }, downsampling: false } } }).ok,
        );
    });

    it("rejects duplicate and reserved receiver names", () => {
        const r = { severities: ["critical"], webhookUrlKey: "hook" };
        const v = violationsAfter(
            (f) =>
                (f.observability = {
                    alertmanager: {
                        receivers: [
                            { name: "pager", ...r },
                            { name: "pager", ...r },
                            { name: "null", ...r },
                        ],
                    },
                }),
        );
        assertViolation(v, "observability.alertmanager.receivers[1].name: duplicates receivers[0]");
        assertViolation(v, 'observability.alertmanager.receivers[2].name: is reserved (the "null" receiver takes the unrouted alerts)');
    });

    it("rejects two clusters whose external label sets are equal", () => {
        const v = violationsAfter((f) => {
            const twin = structuredClone(f.clusters[IDC]);
            twin.etcd.hosts = twin.etcd.hosts.map((h: any, i: number) => ({ ...h, name: `twin-etcd-${i}` }));
            f.clusters.push(twin);
        });
        assertViolation(
            v,
            'clusters[3].name: external labels {"cluster":"idc-sh","site":"idc","region":"cn-shanghai-idc1","environment":"prod"} are those of clusters[0]: Thanos could not tell their series apart',
        );
    });

    it("allows one bucket for two clusters only when shared, and only for s3-compatible stores", () => {
        // Two IDC clusters of the dev fleet writing one RGW bucket.
        const second = (f: any) => {
            const c = structuredClone(f.clusters[0]);
            c.name = "idc-dev-2";
            // Another data centre, with its own addresses, load balancer range and gateway.
            c.region = "cn-shanghai-idc2";
            c.network = {
                ...c.network,
                nodeCidr: "10.112.0.0/22",
                podCidr: "10.180.0.0/16",
                serviceCidr: "10.201.0.0/16",
                loadBalancerCidr: "10.113.0.0/24",
                // Its own racks' switches as BGP peers.
                cilium: {
                    ...c.network.cilium,
                    clusterId: 12,
                    bgp: {
                        ...c.network.cilium.bgp,
                        peers: c.network.cilium.bgp.peers.map((p: { peerIp: string }, k: number) => ({ ...p, peerIp: `10.112.0.${k + 1}` })),
                    },
                },
            };
            c.controlPlane = { ...c.controlPlane, vip: "10.112.0.10", hosts: [{ name: "dev2-cp-1", address: "10.112.0.11" }] };
            c.etcd = { ...c.etcd, hosts: [{ name: "dev2-etcd-1", address: "10.112.1.11", nvmeDevice: "/dev/nvme0n1" }] };
            c.workers = [{ name: "dev2-worker-1", address: "10.112.2.11" }];
            c.gateway = {
                asn: 64622,
                mainlandChina: true,
                hosts: [{ name: "dev2-gw-1", address: "10.112.0.21", publicAddress: "198.51.100.22" }],
                fabricPeers: [{ name: "rack-a-tor-1", peerIp: "10.112.0.1", asn: 64512 }],
            };
            c.mesh = { network: "net-idc-dev-2" };
            // New hosts without their SSH host keys: the dev opt-out (this test is about buckets).
            c.ssh = { ...c.ssh, allowUnpinnedHostKeys: true };
            f.clusters.push(c);
            f.links.push({ between: ["idc-dev", "idc-dev-2"], kind: "ipsec-vpn" });
        };
        assertViolation(
            violationsAfter(second, "dev"),
            "clusters[3].metrics.objectStore.bucket: is also clusters[0]'s bucket: set observability.sharedBuckets to share it (one compactor serves it)",
        );
        const raw = rawStackFleet("dev");
        second(raw);
        raw.observability = { sharedBuckets: true };
        const shared = parseFleet(raw);
        assert.ok(shared.ok, shared.ok ? "" : shared.violations.join("\n"));
        // One compactor and one store gateway set for the shared bucket, in the first writer's site.
        const placements = bucketPlacements(shared.spec.clusters.map((c) => ({ name: c.name, objectStore: c.metrics.objectStore })));
        const rgw = placements.filter((p) => p.bucket === "acme-dev-metrics-idc");
        assert.strictEqual(rgw.length, 1);
        assert.deepStrictEqual(rgw[0].writers, ["idc-dev", "idc-dev-2"]);
        assert.strictEqual(rgw[0].owner.name, "idc-dev");
        assert.strictEqual(placements.length, shared.spec.clusters.length - 1);

        // An EKS bucket is created by its site: it cannot be shared, even when allowed.
        assertViolation(
            violationsAfter((f) => {
                f.observability = { sharedBuckets: true };
                f.clusters[IDC].metrics.objectStore = structuredClone(f.clusters[EKS].metrics.objectStore);
            }),
            "clusters[1].metrics.objectStore.bucket: is also clusters[0]'s bucket, but eks sites create their own bucket: only s3-compatible buckets can be shared",
        );
    });

    it("rejects a sidecar or store gateway the hub cannot reach over the links", () => {
        const v = violationsAfter((f) => (f.links = f.links.filter((l: any) => !(l.between.includes("idc-sh") && l.between.includes("ack-sh")))));
        assertViolation(
            v,
            "clusters[2].name: idc-sh cannot reach ack-sh over the declared links (needed by monitoring (Thanos Query reads the sidecar of ack-sh)): add a link or a transit site",
        );
        assertViolation(
            v,
            "clusters[2].metrics.objectStore: idc-sh cannot reach ack-sh over the declared links (needed by monitoring (Thanos Query reads the store gateway of acme-prod-metrics-ack-sh)): add a link or a transit site",
        );
        // A transit site relays: eks-apne1 joins idc-sh and ack-sh.
        const raw = rawStackFleet("prod");
        raw.links = raw.links.filter((l: any) => !(l.between.includes("idc-sh") && l.between.includes("ack-sh")));
        raw.transit = ["eks-apne1"];
        const r = parseFleet(raw);
        assert.ok(r.ok || !r.violations.some((x) => x.includes("monitoring")), r.ok ? "" : r.violations.join("\n"));
    });
});
