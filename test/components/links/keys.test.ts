// The PSKs of tunnels between two IDC sites (components/links/keys.ts) on the mock engine: one
// password per tunnel in the alphabet AWS and Alibaba both take, secret from birth, and a rotated
// tunnel's password with the keeper that makes the random provider draw it again.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { TunnelKeys } from "../../../components/links/keys";
import { PSK_PATTERN } from "../../../components/links/plan";
import { runProgram } from "../../harness";

describe("hybrid:links:TunnelKeys on the mock engine", () => {
    it("declares one secret PSK per tunnel, with a keeper only on a rotated one", async () => {
        let keys: TunnelKeys | undefined;
        const inventory = await runProgram(() => {
            keys = new TunnelKeys("idc-a-link-idc-b", { tunnels: [{ key: "c1t1" }, { key: "c1t2", pskRotation: 2 }] });
        });
        const [component] = inventory.ofType("hybrid:links:TunnelKeys");
        const passwords = inventory.childrenOf(component.urn);
        assert.deepStrictEqual(
            passwords.map((r) => [r.type, r.name, r.inputs.length, r.inputs.special, r.inputs.overrideSpecial, r.inputs.keepers]),
            [
                ["random:index/randomPassword:RandomPassword", "idc-a-link-idc-b-c1t1-psk", 40, true, "._", undefined],
                ["random:index/randomPassword:RandomPassword", "idc-a-link-idc-b-c1t2-psk", 40, true, "._", { rotation: "2" }],
            ],
        );
        for (const [key, psk] of keys!.psks) {
            const [value, secret] = await new Promise<[string, boolean]>((resolve) =>
                pulumi.all([psk, pulumi.isSecret(psk)]).apply(([v, s]) => resolve([v, s])),
            );
            assert.ok(secret, `${key}'s PSK is a secret`);
            assert.match(value, PSK_PATTERN);
        }
    });
});
