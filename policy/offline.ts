// Runs the platform's policies over an offline plan's inventory: what `pulumi preview
// --policy-pack policy` would report, without the CLI or a cloud. Secrets in the inventory are
// already "[secret]", so the secret-material rule sees exactly what is plain.
import type { InventoryEntry, InventoryFile } from "../tools/planDiff";
import { parseUrn, providerUrn, urnName } from "../tools/urn";
import { EnforcementLevel, fleetPolicies, FleetPolicy, PolicyTarget } from "./policies";
import { byText } from "../components/core/order";

export interface PolicyViolation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    urn: string;
    message: string;
}

export interface PolicyReport {
    violations: PolicyViolation[];
    /** Mandatory violations: a real preview with the pack would fail on these. */
    mandatory: number;
    advisory: number;
    /** How many policies ran, and over how many resources. */
    policies: number;
    resources: number;
}

/** The resource as CrossGuard presents it: inputs, options, the explicit provider's name. */
export function policyTarget(e: InventoryEntry): PolicyTarget {
    return {
        urn: e.urn,
        type: e.type,
        name: e.name,
        props: e.inputs as Record<string, any>,
        protect: e.protect,
        provider: e.provider ? parseUrn(providerUrn(e.provider)).name : undefined,
        dependencies: e.dependencies,
    };
}

export function evaluatePolicies(inventory: InventoryFile, policies: FleetPolicy[] = fleetPolicies): PolicyReport {
    const targets = inventory.resources.filter((e) => e.custom).map(policyTarget);
    const violations: PolicyViolation[] = [];
    for (const p of policies) {
        const at = (urn: string) => (message: string, other?: string) =>
            violations.push({ policy: p.name, enforcementLevel: p.enforcementLevel, urn: other ?? urn, message });
        if (p.validateResource) for (const t of targets) p.validateResource(t, at(t.urn));
        if (p.validateStack) p.validateStack(targets, at(""));
    }
    violations.sort((a, b) => byText(a.policy, b.policy) || byText(a.urn, b.urn) || byText(a.message, b.message));
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    return { violations, mandatory, advisory: violations.length - mandatory, policies: policies.length, resources: targets.length };
}

/** Markdown for a pull-request comment, beside the plan diff. */
export function renderPolicyReport(report: PolicyReport, stack: string): string {
    const lines = [
        `### Policies for stack \`${stack}\``,
        "",
        `**${report.mandatory} mandatory, ${report.advisory} advisory violations** (${report.policies} policies over ${report.resources} resources)`,
    ];
    if (report.violations.length > 0) {
        lines.push("", "| level | policy | resource | message |", "|---|---|---|---|");
        for (const v of report.violations)
            lines.push(`| ${v.enforcementLevel} | \`${v.policy}\` | \`${urnName(v.urn) || "(stack)"}\` | ${v.message.replace(/\|/g, "\\|")} |`);
    }
    return lines.join("\n");
}
