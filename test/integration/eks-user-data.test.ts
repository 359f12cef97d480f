// The EKS nodes' user data read by real parsers: Python's email package (the MIME parser cloud-init
// itself uses) takes the managed node group's archive apart, and Python's tomllib reads Bottlerocket's
// settings. Both give back exactly what the program means.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { parse } from "yaml";
import { al2023UserData, bottlerocketSettings } from "../../components/eks/kubelet";

const python = (script: string, input: string) => JSON.parse(execFileSync("python3", ["-c", script], { input, encoding: "utf8" }));

const MIME = `
import email, json, sys
m = email.message_from_string(sys.stdin.read())
print(json.dumps({
    "defects": [str(d) for d in m.defects],
    "multipart": m.is_multipart(),
    "type": m.get_content_type(),
    "parts": [{"type": p.get_content_type(), "body": p.get_payload(), "defects": [str(d) for d in p.defects]} for p in m.get_payload()],
}))
`;

const TOML = `
import json, sys, tomllib
print(json.dumps(tomllib.loads(sys.stdin.read())))
`;

describe("EKS node user data, read by Python's MIME and TOML parsers", () => {
    for (const k of [
        { seccompDefault: true, podPidsLimit: 4096, shutdownGracePeriodSeconds: 30, shutdownGracePeriodCriticalPodsSeconds: 10 },
        { seccompDefault: false, podPidsLimit: 16384, shutdownGracePeriodSeconds: 0, shutdownGracePeriodCriticalPodsSeconds: 0 },
    ]) {
        it(`the managed node group's archive is one application/node.eks.aws part holding the NodeConfig (${JSON.stringify(k)})`, () => {
            const read = python(MIME, al2023UserData(k));
            assert.deepStrictEqual(read.defects, []);
            assert.strictEqual(read.multipart, true);
            assert.strictEqual(read.type, "multipart/mixed");
            assert.strictEqual(read.parts.length, 1);
            assert.strictEqual(read.parts[0].type, "application/node.eks.aws");
            assert.deepStrictEqual(read.parts[0].defects, []);
            // nodeadm's NodeConfig (node.eks.aws/v1alpha1) with the kubelet fields in KubeletConfiguration's spelling.
            assert.deepStrictEqual(parse(read.parts[0].body), {
                apiVersion: "node.eks.aws/v1alpha1",
                kind: "NodeConfig",
                spec: {
                    kubelet: {
                        config: {
                            seccompDefault: k.seccompDefault,
                            podPidsLimit: k.podPidsLimit,
                            shutdownGracePeriod: `${k.shutdownGracePeriodSeconds}s`,
                            shutdownGracePeriodCriticalPods: `${k.shutdownGracePeriodCriticalPodsSeconds}s`,
                        },
                    },
                },
            });
        });

        it(`Bottlerocket's settings are TOML under settings.kubernetes (${JSON.stringify(k)})`, () => {
            assert.deepStrictEqual(python(TOML, bottlerocketSettings(k)), {
                settings: {
                    kubernetes: {
                        "seccomp-default": k.seccompDefault,
                        "pod-pids-limit": k.podPidsLimit,
                        "shutdown-grace-period": `${k.shutdownGracePeriodSeconds}s`,
                        "shutdown-grace-period-for-critical-pods": `${k.shutdownGracePeriodCriticalPodsSeconds}s`,
                    },
                },
            });
        });
    }

    it("a broken archive is seen as one (the parser is not lenient to the point of vacuity)", () => {
        const text = al2023UserData({ seccompDefault: true, podPidsLimit: 4096, shutdownGracePeriodSeconds: 30, shutdownGracePeriodCriticalPodsSeconds: 10 });
        const unterminated = text.replace(/^--[^\n]*--\n$/m, "");
        const read = python(MIME, unterminated);
        assert.ok(read.defects.length > 0 || read.parts.some((p: { defects: string[] }) => p.defects.length > 0), JSON.stringify(read));
    });
});
