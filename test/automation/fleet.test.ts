// The Automation API entry points validate the spec before they ever reach the Pulumi CLI.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { validateStack } from "../../automation/fleet";
import { FleetSpecError } from "../../stacks/spec";
import { rawStackFleet } from "../harness";

describe("automation entry points", () => {
    it("validate the checked-in stack offline", () => {
        assert.strictEqual(validateStack("prod").hub, "idc-sh");
    });

    it("stop an invalid spec with every violation, before the CLI", () => {
        const fleet = rawStackFleet("prod");
        fleet.links.push({ between: ["idc-sh", "idc-sh"], kind: "ipsec-vpn" });
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "auto-")), "Pulumi.bad.yaml");
        fs.writeFileSync(file, YAML.stringify({ config: { "hybrid-fleet:fleet": fleet } }));
        try {
            assert.throws(
                () => validateStack("bad", file),
                (e: unknown) =>
                    e instanceof FleetSpecError && e.violations.includes("links[3].between: a link must join two different clusters (both ends are idc-sh)"),
            );
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });
});
