// Hostile and careless input: stack files that are not what they seem fail as one clean
// FleetSpecError, validation stays near-linear, the version support table is enforced against an
// injectable date, fields that reach scripts are strict, and what passes renders inert (the checks
// that hand it to real bash, systemd-analyze or the plan CLI are in
// test/integration/spec-hostile.test.ts).
import * as assert from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCidr } from "../../../stacks/cidr";
import * as YAML from "yaml";
import { z } from "zod";
import { FleetSpecError, fleetSchema, formatPath, parseFleet, secretConfigKeys } from "../../../stacks/spec";
import { firstOverlaps, MAX_CLUSTERS } from "../../../stacks/spec/hardening";
import { isCalendar } from "../../../stacks/spec/idc";
import { idcUpgradeNote, SUPPORT_WINDOWS, versionWarnings } from "../../../stacks/spec/versions";
import { PAUSE_IMAGES } from "../../../components/idc/renderers/node";
import { envLine, shq } from "../../../components/idc/renderers/shell";
import { renderBackupEnv } from "../../../components/idc/renderers/etcd";
import { plan } from "../../../tools/plan";
import { MAX_STACK_FILE_BYTES, offlineConfig, parseStackFile, parseStackText, readStackFile } from "../../../tools/stackFile";
import {
    ACK,
    assertViolation,
    directConnectLink,
    EKS,
    IDC,
    oneSiteFleet,
    parsedAfter,
    rawStackFleet,
    violationsAfter,
    withS3CompatibleEtcdBackup,
} from "../../harness";
import { stringPositions, stringsAt } from "./stringFields";
import { TODAY } from "./today";

/** The violations parseStackText throws for `text`, failing the test if it does not throw a FleetSpecError. */
function stackFileViolations(text: string): string[] {
    try {
        parseStackText(text, "/stacks/Pulumi.t.yaml");
    } catch (e) {
        assert.ok(e instanceof FleetSpecError, `expected a FleetSpecError, got ${(e as Error).name}: ${(e as Error).message}`);
        return e.violations;
    }
    assert.fail("expected the stack file to be refused");
}

/**
 * What `fn` hands process.emitWarning, where yaml sends its warnings (the 'warning' event itself only
 * comes a tick later, after a listener removed in a finally is gone).
 */
function warningsDuring(fn: () => void): string[] {
    const warnings: string[] = [];
    const emit = process.emitWarning;
    process.emitWarning = ((w: string | Error) => void warnings.push(typeof w === "string" ? w : w.message)) as typeof process.emitWarning;
    try {
        fn();
    } finally {
        process.emitWarning = emit;
    }
    return warnings;
}

const parsedAt = (mutate: (fleet: any) => void, today: Date, stack: "prod" | "dev" = "prod") => parsedAfter(mutate, stack, { today });

describe("hostile stack files", () => {
    it("refuses a mapping or a sequence as a key, naming the line, with nothing on stderr", () => {
        let violations: string[] = [];
        const warnings = warningsDuring(() => (violations = stackFileViolations("config:\n  ? {a: 1}\n  : x\n  ? [b]\n  : y\n")));
        assert.deepStrictEqual(violations, [
            "Pulumi.t.yaml:2:5: a key must be a scalar, not a mapping or a sequence",
            "Pulumi.t.yaml:4:5: a key must be a scalar, not a mapping or a sequence",
        ]);
        assert.deepStrictEqual(warnings, []);
        // What the check is for: yaml warns on stderr when it turns such a key into JavaScript.
        assert.match(warningsDuring(() => YAML.parse("? {a: 1}\n: x\n")).join("\n"), /Keys with collection values will be stringified/);
    });

    it("refuses duplicate keys, naming the line", () => {
        assert.deepStrictEqual(stackFileViolations("config:\n  a: 1\n  a: 2\n"), ['Pulumi.t.yaml:3:3: duplicate key "a"']);
    });

    it("refuses tabs, bad quoting and more than one document", () => {
        assert.deepStrictEqual(stackFileViolations("config:\n\ta: 1\n"), ["Pulumi.t.yaml:2:1: Tabs are not allowed as indentation"]);
        assert.match(stackFileViolations("config:\n  a: 'abc\n")[0], /^Pulumi\.t\.yaml:\d+:\d+: Missing closing 'quote/);
        assert.deepStrictEqual(stackFileViolations("config: {}\n---\nconfig: {}\n"), ["Pulumi.t.yaml: holds 2 YAML documents; a stack file is one document"]);
    });

    it("refuses an alias bomb without expanding it", () => {
        const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
        for (let i = 1; i < 9; i++)
            levels.push(
                `l${i}: &l${i} [${Array(10)
                    .fill(i === 1 ? "*a" : `*l${i - 1}`)
                    .join(", ")}]`,
            );
        const started = Date.now();
        assert.deepStrictEqual(stackFileViolations(levels.join("\n") + "\n"), ["Pulumi.t.yaml: Excessive alias count indicates a resource exhaustion attack"]);
        assert.ok(Date.now() - started < 2000, "an alias bomb must fail fast");
    });

    it("refuses 100,000 nested brackets fast, without overflowing the stack", () => {
        const started = Date.now();
        assert.deepStrictEqual(stackFileViolations(`config: ${"[".repeat(100000)}${"]".repeat(100000)}\n`), [
            "Pulumi.t.yaml: nests [ ] / { } 100000 levels deep; at most 64",
        ]);
        assert.ok(Date.now() - started < 1000);
    });

    it("refuses deep block nesting and an oversized file", () => {
        const deep = "x:\n" + Array.from({ length: 1400 }, (_, i) => " ".repeat(i + 1) + "- ").join("\n") + "\n";
        assert.deepStrictEqual(stackFileViolations(deep), ["Pulumi.t.yaml: indents 1402 columns deep; at most 256"]);
        const big = "config:\n" + "  # padding\n".repeat(MAX_STACK_FILE_BYTES / 12 + 1);
        assert.match(stackFileViolations(big)[0], /^Pulumi\.t\.yaml: is \d+ bytes; a stack file may be at most 1048576$/);
    });

    it("checks duplicate keys in 20,000 keys in linear time", () => {
        let text = "config:\n";
        for (let i = 0; i < 20000; i++) text += `  k${i}: v\n`;
        const started = Date.now();
        assert.deepStrictEqual(stackFileViolations(text + "  k7: again\n"), ['Pulumi.t.yaml:20002:3: duplicate key "k7"']);
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });

    it("still reads the checked-in stack files", () => {
        for (const stack of ["prod", "dev"]) {
            const parsed = parseStackFile(readStackFile(path.join(__dirname, "..", "..", "..", `Pulumi.${stack}.yaml`)));
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
        }
    });
});

describe("near-linear validation", () => {
    it("finds the first earlier overlapping block exactly as comparing every pair does", () => {
        const block = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 24 })).map(([a, b, p]) => {
            const base = ((10 * 256 + a) * 256 + b) * 256;
            const size = 2 ** (32 - p);
            return parseCidr(`${[24, 16, 8, 0].map((s) => Math.floor((base - (base % size)) / 2 ** s) % 256).join(".")}/${p}`)!;
        });
        fc.assert(
            fc.property(fc.array(block, { maxLength: 40 }), (blocks) => {
                const brute = blocks.map((b, i) => {
                    const j = blocks.findIndex((a, k) => k < i && a.base < b.base + 2 ** (32 - b.prefix) && b.base < a.base + 2 ** (32 - a.prefix));
                    return j < 0 ? undefined : j;
                });
                assert.deepStrictEqual(firstOverlaps(blocks), brute);
            }),
        );
    });

    it("checks 30,000 disjoint blocks (10,000 clusters) in well under a second", () => {
        const blocks = Array.from({ length: 30000 }, (_, i) =>
            parseCidr(`10.${Math.floor(i / 256) % 256}.${i % 256}.0/24`.replace(/^10\.(\d+)/, (_, x) => `${10 + Math.floor(i / 65536)}.${x}`))!,
        );
        const started = Date.now();
        assert.ok(firstOverlaps(blocks).every((t) => t === undefined));
        // ~100 ms measured on an idle core; the bound leaves room for a shared CI machine.
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    });

    it("bounds the lists inside a cluster (workers, tenants)", () => {
        const v = violationsAfter((f) => {
            f.clusters[IDC].workers = Array.from({ length: 5001 }, (_, i) => ({ name: `w-${i}`, address: "10.10.2.1" }));
            f.clusters[EKS].network.tenants = Array.from({ length: 1001 }, (_, i) => ({ namespace: `t-${i}` }));
        });
        assertViolation(v, "clusters[0].workers: must list at most 5000 workers (Kubernetes' large-cluster limit)");
        assertViolation(v, "clusters[1].network.tenants: must list at most 1000 tenants");
    });

    it(`refuses more than ${MAX_CLUSTERS} clusters`, () => {
        const v = violationsAfter((f) => {
            f.clusters = Array.from({ length: MAX_CLUSTERS + 1 }, () => f.clusters[ACK]);
        });
        assertViolation(v, `clusters: must declare at most ${MAX_CLUSTERS} clusters`);
    });
});

describe("supported versions", () => {
    it("runs prod and dev on current versions", () => {
        for (const stack of ["prod", "dev"] as const) {
            const r = parsedAt(() => undefined, TODAY, stack);
            assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
            assert.deepStrictEqual(
                r.spec.clusters.map((c) => c.kubernetesVersion),
                ["1.36.4", "1.36", "1.36.1-aliyun.1"],
            );
        }
    });

    it("refuses a prod version past its end of standard support, per site, relative to the given date", () => {
        const r = parsedAt((f) => {
            f.clusters[IDC].kubernetesVersion = "1.34.2";
            f.clusters[EKS].kubernetesVersion = "1.33";
            f.clusters[ACK].kubernetesVersion = "1.34.1-aliyun.1";
        }, TODAY);
        assert.ok(!r.ok);
        assertViolation(
            r.violations,
            "clusters[0].kubernetesVersion: upstream Kubernetes (IDC) 1.34 reached end of standard support on 2026-10-27 (https://kubernetes.io/releases/1.34/); prod must run a supported version (while stepping up one minor at a time, set versionException with a date at most 30 days ahead)",
        );
        assert.ok(r.violations.some((v) => v.startsWith("clusters[1].kubernetesVersion: EKS 1.33 reached end of standard support on 2026-07-29")));
        assert.ok(r.violations.some((v) => v.startsWith("clusters[2].kubernetesVersion: ACK 1.34 reached end of standard support on 2026-09-30")));
        // The same spec a day before 1.34's upstream end of life is accepted for the IDC cluster.
        const before = parsedAt((f) => (f.clusters[IDC].kubernetesVersion = "1.34.2"), new Date("2026-10-27T00:00:00Z"));
        assert.ok(before.ok, before.ok ? "" : before.violations.join("\n"));
        // EKS 1.34 still has standard support today (until 2026-12-02).
        assert.ok(parsedAt((f) => (f.clusters[EKS].kubernetesVersion = "1.34"), TODAY).ok);
    });

    it("lets dev run an old minor, and prod only with a dated exception of at most 30 days", () => {
        assert.ok(parsedAt((f) => (f.clusters[IDC].kubernetesVersion = "1.33.5"), TODAY, "dev").ok);
        // prod on 1.34, past its support at TODAY, with this exception.
        const excepted = (versionException: { until: string; reason: string }) =>
            parsedAt((f) => {
                f.clusters[IDC].kubernetesVersion = "1.34.2";
                f.clusters[IDC].versionException = versionException;
            }, TODAY);
        const ok = excepted({ until: "2026-12-20", reason: "stepping 1.33 -> 1.34 -> 1.35 -> 1.36" });
        assert.ok(ok.ok, ok.ok ? "" : ok.violations.join("\n"));
        const twoLines = excepted({ until: "2026-12-20", reason: "stepping\n$(id)" });
        assert.ok(!twoLines.ok);
        assertViolation(twoLines.violations, "clusters[0].versionException.reason: must be one line");
        const far = excepted({ until: "2027-06-01", reason: "later" });
        assert.ok(!far.ok);
        assertViolation(far.violations, "clusters[0].versionException.until: may reach at most 30 days ahead (one upgrade step), got 184");
        const expired = excepted({ until: "2026-11-01", reason: "old" });
        assert.ok(!expired.ok);
        assertViolation(expired.violations, "clusters[0].versionException.until: expired on 2026-11-01");
    });

    it("refuses a minor the table does not know, everywhere", () => {
        const r = parsedAt((f) => (f.clusters[IDC].kubernetesVersion = "1.37.0"), TODAY, "dev");
        assert.ok(!r.ok);
        assertViolation(
            r.violations,
            "clusters[0].kubernetesVersion: upstream Kubernetes (IDC) 1.37 is not a known version (known: 1.31, 1.32, 1.33, 1.34, 1.35, 1.36)",
        );
    });

    it("warns when support ends within 90 days", () => {
        const r = parsedAt(() => undefined, TODAY);
        assert.ok(r.ok);
        assert.deepStrictEqual(versionWarnings(r.spec.clusters, TODAY), []);
        assert.deepStrictEqual(versionWarnings(r.spec.clusters, new Date("2027-04-01T00:00:00Z")), [
            "idc-sh: upstream Kubernetes (IDC) 1.36 ends standard support on 2027-06-28, in 88 days (https://kubernetes.io/releases/1.36/)",
            "ack-sh: ACK 1.36 ends standard support on 2027-05-30, in 59 days (https://www.alibabacloud.com/help/en/ack/product-overview/release-notes-for-kubernetes-versions)",
        ]);
    });

    it("tells the plan reader how an IDC cluster on 1.33 steps to the spec's version", () => {
        assert.strictEqual(
            idcUpgradeNote("idc-sh", "1.36.4"),
            'idc-sh: an existing cluster on 1.33 reaches 1.36.4 one minor per `pulumi up`: 1.34.x -> 1.35.x -> 1.36.4 (the hosts refuse a skipped minor; see README, "Supported versions")',
        );
        assert.strictEqual(idcUpgradeNote("idc-sh", "1.34.2"), undefined);
    });

    it("has a pause image for every IDC minor it accepts", () => {
        for (const w of SUPPORT_WINDOWS.idc) assert.ok(PAUSE_IMAGES[Number(w.minor.split(".")[1])], w.minor);
    });
});

describe("strict fields where they reach scripts", () => {
    it("refuses a tenant in a system namespace", () => {
        for (const ns of ["kube-system", "default", "istio-system", "karmada-system", "monitoring", "calico-system", "tigera-operator", "cilium-secrets"]) {
            const v = violationsAfter((f) => f.clusters[EKS].network.tenants.push({ namespace: ns }));
            assert.ok(
                v.some((x) => x.startsWith(`clusters[1].network.tenants[`) && x.includes(`: ${ns} is a system namespace`)),
                `${ns}: ${v.join("\n")}`,
            );
        }
    });

    it("refuses a host name used by another cluster, and a shared backup bucket+prefix", () => {
        const v = violationsAfter((f) => {
            const twin = JSON.parse(JSON.stringify(f.clusters[IDC]));
            twin.name = "idc-bj";
            twin.network = { ...twin.network, nodeCidr: "10.11.0.0/20", podCidr: "10.65.0.0/16", serviceCidr: "10.97.0.0/16" };
            twin.etcd.backup = { ...(twin.etcd.backup ?? {}), prefix: "etcd-backups/idc-sh" };
            f.clusters.push(twin);
            f.links.push({ between: ["idc-sh", "idc-bj"], kind: "ipsec-vpn" });
        });
        assertViolation(
            v,
            "clusters[3].controlPlane.hosts[0].name: host name cp-1 is already used by clusters[0].controlPlane.hosts[0]; host names are unique fleet-wide",
        );
        assert.ok(
            v.some(
                (x) =>
                    x.startsWith("clusters[3].etcd.backup.prefix: etcd backups to bucket ") &&
                    x.endsWith("are already written by clusters[0]; give each cluster its own prefix"),
            ),
            v.join("\n"),
        );
    });

    it("refuses a frontend port the control-plane hosts already use", () => {
        for (const [port, what] of [
            [6443, "kube-apiserver"],
            [22, "SSH"],
            [2379, "etcd client"],
            [2380, "etcd peer"],
            [2381, "etcd metrics"],
            [10250, "kubelet"],
            [10257, "kube-controller-manager"],
            [10259, "kube-scheduler"],
            [10349, "kube-proxy metrics (monitoring's authenticating proxy)"],
        ] as const) {
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].controlPlane.port = port)),
                `clusters[0].controlPlane.port: ${port} is the ${what} port on the control-plane hosts; the HAProxy frontend needs a free port (e.g. 8443)`,
            );
        }
    });

    it("refuses region formats of the wrong cloud", () => {
        for (const [cluster, field, value, rule] of [
            [EKS, "region", "cn-shanghai", 'must be an AWS region like ap-northeast-1 (got "cn-shanghai")'],
            [ACK, "region", "shanghai", 'must be an Alibaba Cloud region like cn-shanghai (got "shanghai")'],
            // A region followed by more: the cloud's format is the whole name.
            [EKS, "region", "ap-northeast-1x", 'must be an AWS region like ap-northeast-1 (got "ap-northeast-1x")'],
            [ACK, "region", "cn-shanghai-1-2", 'must be an Alibaba Cloud region like cn-shanghai (got "cn-shanghai-1-2")'],
            // What is no region name of any cloud, the schema refuses before the clouds' formats are asked.
            [ACK, "region", "Shanghai; rm -rf /", "must be a region name (at most 64 lowercase letters, digits, '-')"],
            [EKS, "zones[1]", "ap-southeast-1a", "ap-southeast-1a is not a zone of ap-northeast-1 (a zone's name begins with its region's)"],
        ] as const) {
            const v = violationsAfter((f) => {
                if (field === "region") f.clusters[cluster].region = value;
                else f.clusters[cluster].zones[1] = value;
            });
            assertViolation(v, `clusters[${cluster}].${field}: ${rule}`);
        }
    });

    it("keeps dataDir under an allowed root, never a system directory", () => {
        for (const dir of ["/etc", "/etc/etcd", "/usr/lib/etcd", "/", "/var/lib/../../etc", "/var/lib/kubelet/x", "/root/etcd"]) {
            const v = violationsAfter((f) => (f.clusters[IDC].etcd.dataDir = dir));
            assert.ok(
                v.some((x) => x.startsWith("clusters[0].etcd.dataDir: ")),
                `${dir}: ${v.join("\n")}`,
            );
        }
    });

    it("gives the offline plan placeholders for the etcd backup store's own credentials", () => {
        const fleet = rawStackFleet("prod");
        withS3CompatibleEtcdBackup(fleet);
        const parsed = parseFleet(fleet, { today: TODAY });
        assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
        assert.ok(secretConfigKeys(parsed.spec).includes("etcdBackupKeyId"));
        const { config, secretKeys } = offlineConfig({ file: "x", config: {}, secretKeys: [], rawFleet: fleet }, parsed);
        for (const k of ["etcdBackupKeyId", "etcdBackupSecret"]) {
            assert.ok(config[`hybrid-fleet:${k}`]);
            assert.ok(secretKeys.includes(`hybrid-fleet:${k}`));
        }
    });

    it("the offline plan runs on that spec (it failed with Missing required configuration variable)", async function () {
        this.timeout(300000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd-creds-"));
        try {
            const file = path.join(dir, "Pulumi.t.yaml");
            // prod's IDC site alone: the backup store's credentials are that site's config.
            const fleet = oneSiteFleet("prod", "idc-sh");
            withS3CompatibleEtcdBackup(fleet);
            const stackFile = readStackFile(path.join(__dirname, "..", "..", "..", "Pulumi.prod.yaml"));
            const config: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(stackFile.config)) if (k !== "hybrid-fleet:fleet") config[k] = v;
            config["hybrid-fleet:fleet"] = fleet;
            fs.writeFileSync(file, JSON.stringify({ config }));
            // The plan's own entry point, in this process (the SDK is loaded already): the stack file's
            // config reaches the program through offlineConfig exactly as from the command line.
            const printed: string[] = [];
            const [log, error] = [console.log, console.error];
            console.log = console.error = (line: unknown) => printed.push(String(line));
            let status: number;
            try {
                status = await plan({ stack: "t", config: file, out: path.join(dir, "out") });
            } finally {
                [console.log, console.error] = [log, error];
            }
            assert.strictEqual(status, 0, printed.join("\n"));
            assert.doesNotMatch(printed.join("\n"), /Missing required configuration/);
            // The backup credentials reach the host only as a secret file (its content is never written by the plan).
            const creds = path.join(dir, "out", "files", "etcd-1", "etc", "etcd", "backup-credentials.env");
            assert.ok(fs.existsSync(creds), creds);
            assert.doesNotMatch(fs.readFileSync(creds, "utf8"), /AWS_SECRET_ACCESS_KEY=\S/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("systemd calendars (property, systemd-analyze)", () => {
    it("refuses a repetition whose second value leaves the field's range, as systemd does", () => {
        for (const bad of ["*-*-* 23/1:00", "*-*-* 00:58/2", "*-6/12-* 00:00"]) assert.strictEqual(isCalendar(bad), false, bad);
        for (const good of ["*-*-* 22/1:00", "*-*-* 00:57/2", "*-*-* 20..23/5:00"]) assert.strictEqual(isCalendar(good), true, good);
    });
});

describe("renderers quote what they interpolate (defence in depth, property)", () => {
    it("environment files refuse a value that would start another line or be interpreted", () => {
        for (const bad of ["a\nEVIL=1", "a\rb", "$(id)", "a b", '"q"', "a\\b"]) {
            assert.throws(() => envLine("BACKUP_S3_PREFIX", bad), /refusing/);
            assert.throws(
                () => renderBackupEnv({ dir: "/var/lib/etcd/backup", keep: 48, endpoint: "https://s3.example", bucket: "b", prefix: bad, region: "us-east-1" }),
                /refusing/,
            );
        }
        assert.strictEqual(envLine("BACKUP_KEEP", 48), "BACKUP_KEEP=48");
        for (const key of ["backup_keep", "1KEEP", "KEEP-N", "KEEP N", ""]) assert.throws(() => envLine(key, "1"), /not an environment variable name/, key);
    });

    it("shq: a plain word stays itself; anything a shell would read otherwise is single-quoted, quotes closed and escaped; NUL refused", () => {
        assert.strictEqual(shq("/var/lib/etcd"), "/var/lib/etcd");
        assert.strictEqual(shq("a=b,c:d@e%f+g"), "a=b,c:d@e%f+g");
        for (const [value, quoted] of [
            ["$HOME", "'$HOME'"],
            ["a b", "'a b'"],
            ["$(id)", "'$(id)'"],
            ["`id`", "'`id`'"],
            ["a;b", "'a;b'"],
            ["*", "'*'"],
            ["a\nb", "'a\nb'"],
            ["it's", "'it'\\''s'"],
            ["", "''"],
        ]) {
            assert.strictEqual(shq(value), quoted, value);
        }
        assert.throws(() => shq("a\0b"), /NUL/);
    });
});

describe("every string the spec takes has a strict format", () => {
    /** A newline and a command substitution: what no name, address, selector or label may carry. */
    const HOSTILE = "\n$(id)";

    /**
     * Every way to make one string of `spec` hostile: HOSTILE appended to a string value, or to a record's
     * key (the key renamed, its value kept); each with the path the spec's violation must name.
     */
    function hostileEdits(spec: unknown): { path: string; apply(raw: any): void }[] {
        const parentOf = (raw: any, at: (string | number)[]) => at.slice(0, -1).reduce((o, k) => o[k], raw);
        // Values first, then record keys: a value edited after its key was renamed would land under the old key.
        const positions = stringPositions(fleetSchema);
        const ordered = [...positions.filter((p) => !p.endsWith("{key}")), ...positions.filter((p) => p.endsWith("{key}"))];
        return ordered.flatMap((position) =>
            stringsAt(spec, position).map((at) => {
                const last = at[at.length - 1];
                if (!position.endsWith("{key}")) return { path: formatPath(at), apply: (raw: any) => void (parentOf(raw, at)[last] += HOSTILE) };
                const renamed = `${String(last)}${HOSTILE}`;
                return {
                    path: formatPath([...at.slice(0, -1), renamed]),
                    apply: (raw: any) => {
                        const record = parentOf(raw, at);
                        record[renamed] = record[last];
                        delete record[last];
                    },
                };
            }),
        );
    }
    /** The paths the violations name (`<path>: <rule>`). */
    const named = (violations: string[]) => new Set(violations.map((v) => v.slice(0, v.indexOf(": "))));

    /**
     * prod with every optional block neither stack file uses: a dedicated line, locality failover, a
     * budget schedule, a version exception, an etcd store of its own, mesh injection, taints, a gateway
     * host's own ToRs, a public endpoint, pinned EKS add-ons, ACK pool labels, a namespace policy.
     */
    function maximalProd(): any {
        const fleet = rawStackFleet("prod");
        fleet.links[0] = directConnectLink();
        withS3CompatibleEtcdBackup(fleet);
        Object.assign(fleet.clusters[IDC].etcd.backup.objectStore, { region: "us-east-1" });
        fleet.clusters[IDC].etcd.backup.prefix = "etcd-backups/idc-sh";
        fleet.mesh.localityFailover = [{ host: "search-api.search.svc.cluster.local" }];
        fleet.clusters[IDC].mesh.injection = { payments: "sidecar" };
        fleet.clusters[IDC].workers[0].taints = [{ key: "acme.io/dedicated", value: "gpu", effect: "NoSchedule" }];
        fleet.clusters[IDC].gateway.hosts[0].fabricPeers = [{ name: "rack-a-tor-3", peerIp: "10.10.0.3", asn: 64512 }];
        fleet.clusters[IDC].versionException = { until: "2026-12-20", reason: "stepping one minor at a time" };
        fleet.clusters[EKS].karpenter.nodePools[0].disruption = {
            budgets: [{ nodes: "10%", schedule: "0 9 * * mon-fri", duration: "8h", reasons: ["Empty"] }],
        };
        fleet.clusters[EKS].endpoint = { privateAccess: true, publicAccessCidrs: ["203.0.113.0/24"] };
        fleet.clusters[EKS].addons = {
            coredns: "v1.11.4-eksbuild.2",
            kubeProxy: "v1.33.0-eksbuild.2",
            vpcCni: "v1.19.5-eksbuild.1",
            podIdentityAgent: "v1.3.7-eksbuild.2",
            ebsCsiDriver: "v1.44.0-eksbuild.1",
        };
        fleet.clusters[ACK].nodePools[1].labels = { "acme.io/tier": "general" };
        fleet.federation.etcd.storageClass = "fast-ssd";
        fleet.federation.policies.push({ name: "payments-namespace", namespaces: ["analytics"], clusters: ["idc-sh", "ack-sh"] });
        fleet.cenEdges[0].pskRotations = { "eks-apne1": [1, 0, 0, 0] };
        return fleet;
    }

    /**
     * dev, whose IDC runs Cilium, with a BGP peer for one rack's nodes only, and on its EKS and ACK sites
     * what prod has only on its IDC: a tenant let in by pod labels, mesh injection, a version
     * exception, a metrics store reached by endpoint and credentials.
     */
    function maximalDev(): any {
        const fleet = rawStackFleet("dev");
        fleet.clusters[IDC].network.cilium.bgp.peers[0].nodeSelector = "topology.kubernetes.io/zone == 'rack-a'";
        fleet.clusters[IDC].metrics.objectStore.region = "us-east-1";
        for (const i of [EKS, ACK]) {
            const c = fleet.clusters[i];
            c.network.tenants = [{ namespace: "payments", allowFrom: [{ namespace: "istio-system", podLabels: { "app.kubernetes.io/name": "gateway" } }] }];
            c.mesh.injection = { payments: "sidecar" };
            c.versionException = { until: "2026-12-20", reason: "stepping one minor at a time" };
            Object.assign(c.metrics.objectStore, {
                endpoint: `https://store.${c.name}.acme.internal`,
                credentials: { accessKeyIdKey: `${c.provider}StoreKeyId`, secretAccessKeyKey: `${c.provider}StoreSecret` },
            });
        }
        return fleet;
    }

    const cases: [string, "prod" | "dev", () => any, number][] = [
        ["prod", "prod", () => rawStackFleet("prod"), 320],
        ["dev", "dev", () => rawStackFleet("dev"), 120],
        ["prod with every optional block", "prod", maximalProd, 350],
        ["dev with every optional block", "dev", maximalDev, 120],
    ];
    /** A case's spec as validated, every default written out (what the parse returns, it parses again to itself). */
    function writtenOut(stack: "prod" | "dev", raw: unknown): any {
        const parsed = parseFleet(raw, { stack, today: TODAY });
        assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
        return parsed.spec;
    }

    it("the cases hold a string at every place the schema takes one (fields, list items, record keys and values)", () => {
        const positions = stringPositions(fleetSchema);
        assert.ok(positions.length > 240, `${positions.length} positions`);
        const specs = cases.map(([, stack, raw]) => writtenOut(stack, raw()));
        const uncovered = positions.filter((at) => !specs.some((spec) => stringsAt(spec, at).length > 0));
        // What the schema takes on an EKS site but the rules refuse there (Calico enforces policy only on
        // the VPC CNI; Cilium runs in ENI mode): no valid spec holds a string there. Each refusal, checked.
        const peers = [{ name: "tor-1", peerIp: "10.120.0.1", asNumber: 64512, nodeSelector: "all()" }];
        const refusedOnEks: [string, (network: any) => void, string[]][] = [
            [
                ".clusters[]<provider=eks>.network.calico.",
                (n) => {
                    n.cni = "calico";
                    n.calico = {
                        defaultPoolCidr: "10.165.0.0/17",
                        ipPools: [{ name: "batch", cidr: "10.165.128.0/17", nodeSelector: "all()", namespaces: ["payments"] }],
                        bgp: { asNumber: 64611, peers },
                    };
                },
                ["bgp", "defaultPoolCidr", "ipPools"].map((k) => `clusters[1].network.calico.${k}`),
            ],
            [
                ".clusters[]<provider=eks>.network.cilium.",
                (n) => {
                    n.cni = "cilium";
                    n.cilium = { clusterId: 21, bgp: { asNumber: 64611, peers } };
                },
                ["clusters[1].network.cilium.bgp"],
            ],
        ];
        for (const [, mutate, paths] of refusedOnEks) {
            assert.deepStrictEqual(
                violationsAfter((f) => mutate(f.clusters[EKS].network)).map((v) => v.slice(0, v.indexOf(": "))),
                paths,
            );
        }
        assert.deepStrictEqual(
            uncovered.filter((at) => !refusedOnEks.some(([prefix]) => at.startsWith(prefix))),
            [],
        );
        assert.strictEqual(uncovered.length, 11, uncovered.join("\n"));
        // The walk itself: it finds a record's keys and values and a tuple's items, and refuses what it cannot read.
        assert.deepStrictEqual(stringPositions(z.strictObject({ a: z.record(z.string(), z.tuple([z.string()])), b: z.enum(["x"]) })), [".a{key}", ".a{}[0]"]);
        // A discriminated union's branches each have their own places; a recursive schema is walked once.
        const site = z.discriminatedUnion("kind", [
            z.strictObject({ kind: z.literal("a"), name: z.string() }),
            z.strictObject({ kind: z.literal("b"), name: z.string() }),
        ]);
        assert.deepStrictEqual(stringPositions(z.strictObject({ sites: z.array(site) })), [".sites[]<kind=a>.name", ".sites[]<kind=b>.name"]);
        assert.deepStrictEqual(stringsAt({ sites: [{ kind: "b", name: "x" }] }, ".sites[]<kind=a>.name"), []);
        assert.deepStrictEqual(stringsAt({ sites: [{ kind: "b", name: "x" }] }, ".sites[]<kind=b>.name"), [["sites", 0, "name"]]);
        const tree: z.ZodType = z.strictObject({
            label: z.string(),
            get children() {
                return z.array(tree);
            },
        });
        assert.deepStrictEqual(stringPositions(tree), [".label"]);
        assert.throws(() => stringPositions(z.strictObject({ a: z.looseRecord(z.string(), z.number()) })), /a loose record at \.a/);
        assert.throws(() => stringPositions(z.strictObject({ a: z.looseObject({}) })), /an object taking any key at \.a/);
        assert.throws(() => stringPositions(z.strictObject({ a: z.date() })), /a date schema at \.a/);
    });

    it("the formats themselves: each refuses a value one step off", () => {
        const budget = (schedule: string) => ({ budgets: [{ nodes: "10%", schedule, duration: "8h" }] });
        for (const [mutate, violation] of [
            [
                (f: any) => (f.clusters[EKS].zones[1] = "ap-northeast-1"),
                "clusters[1].zones[1]: ap-northeast-1 is not a zone of ap-northeast-1 (a zone's name begins with its region's)",
            ],
            [(f: any) => (f.clusters[IDC].region = "Shanghai-IDC1"), "clusters[0].region: must be a region name (at most 64 lowercase letters, digits, '-')"],
            [
                (f: any) => (f.clusters[IDC].workers[0].labels["Acme.io/tier"] = "gold"),
                "clusters[0].workers[0].labels.Acme.io/tier: must be a label key: [prefix/]name, the prefix a DNS subdomain, the name at most 63 letters, digits, '-', '_', '.' (alphanumeric at both ends)",
            ],
            [
                (f: any) => (f.clusters[EKS].systemNodeGroup = { instanceTypes: ["m7ilarge"] }),
                'clusters[1].systemNodeGroup.instanceTypes[0]: must be an EC2 instance type like "m7i.large"',
            ],
            [
                (f: any) => (f.clusters[ACK].nodePools[0].instanceTypes = ["g7.xlarge.x"]),
                'clusters[2].nodePools[0].instanceTypes[0]: must be an ECS instance type like "ecs.g7.xlarge"',
            ],
            [
                (f: any) => (f.clusters[EKS].karpenter.nodePools[0].disruption = budget("0 9 * *")),
                'clusters[1].karpenter.nodePools[0].disruption.budgets[0].schedule: must be a cron schedule of five fields like "0 9 * * mon-fri", or a macro like "@daily"',
            ],
        ] as const) {
            assertViolation(violationsAfter(mutate), violation);
        }
        assert.ok(parsedAfter((f) => (f.clusters[EKS].karpenter.nodePools[0].disruption = budget("@daily"))).ok);
    });

    for (const [what, stack, raw, atLeast] of cases) {
        it(`${what}: a newline and $(id) appended to any of its free-text strings or record keys, defaults written out, is refused, naming its path`, () => {
            const options = { stack, today: TODAY };
            const full = JSON.stringify(writtenOut(stack, raw()));
            const fleet = () => JSON.parse(full);
            assert.deepStrictEqual(parseFleet(fleet(), options), { ok: true, spec: fleet() });
            const edits = hostileEdits(fleet());
            assert.ok(edits.length > atLeast, `${edits.length} strings`);
            assert.ok(
                edits.some((e) => e.path.includes(HOSTILE)),
                "no record key among them",
            );
            // All at once, then again with what that left, until a round refuses nothing new: a broken
            // discriminator (a site's provider) hides its site's fields, and rules check some fields only
            // once the schema passes; both come out in a later round. Then one at a time whatever is left.
            const refusedTogether = (group: typeof edits) => {
                const spec = fleet();
                for (const edit of group) edit.apply(spec);
                const result = parseFleet(spec, options);
                return named(result.ok ? [] : result.violations);
            };
            let left = edits;
            for (;;) {
                const refused = refusedTogether(left);
                const still = left.filter((e) => !refused.has(e.path));
                if (still.length === left.length) break;
                left = still;
            }
            const accepted = left.filter((e) => !refusedTogether([e]).has(e.path)).map((e) => e.path);
            assert.deepStrictEqual(accepted, []);
        });
    }
});
