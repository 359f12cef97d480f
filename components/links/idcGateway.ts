// The IDC end of the site-to-site links on one Linux gateway host, reached over SSH like every
// other IDC host: strongSwan (route-based IPsec, one XFRM interface per tunnel) and FRR (BGP over
// every tunnel and towards the ToRs). The files are rendered from the host's plan once every value
// is known (a cloud gateway's address arrives only after it exists); the resources themselves are
// declared up front, so they show in a preview. A changed file re-runs the setup.
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Host, SshLogin } from "../idc/host";
import { APT_RETRY_FUNCTION, aptInstall, aptUpdate } from "../idc/render";
import {
    GatewayRouting,
    LINKS_PACKAGES,
    LINKS_PATHS,
    LINKS_STAGE,
    LINKS_STAGED,
    renderFrrConf,
    renderGatewaySetupScript,
    renderLinksSysctl,
    renderSwanctlConf,
    renderXfrmScript,
    renderXfrmUnit,
} from "./render";
import type { IdcGatewayHostPlan, ResolvedGatewayHost } from "./types";

export interface IdcGatewayArgs {
    plan: IdcGatewayHostPlan;
    login: SshLogin;
}

/** `name=version` of every package the gateway needs. */
const packages = () =>
    Object.entries(LINKS_PACKAGES)
        .map(([n, v]) => `${n}=${v}`)
        .join(" ");

export class IdcGateway extends pulumi.ComponentResource {
    /** The setup command: done when strongSwan and FRR run the current files. */
    readonly setup: remote.Command;
    /** Rendered frr.conf (not secret) and swanctl.conf (secret: it holds the PSKs). */
    readonly frrConf: pulumi.Output<string>;
    readonly swanctlConf: pulumi.Output<string>;

    constructor(name: string, args: IdcGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:IdcGateway", name, {}, opts);
        const { plan } = args;
        const host = new Host(this, name, { name: plan.host.name, address: plan.host.address }, args.login);

        // The outside addresses may be outputs of the cloud gateways; the PSKs are secrets. The
        // routing files need only the addresses, so frr.conf stays readable in the plan.
        const outside = pulumi.all(plan.tunnels.map((t) => pulumi.all([t.localOutside, t.remoteOutside])));
        const routing: pulumi.Output<GatewayRouting> = outside.apply((addrs) => ({
            ...plan,
            tunnels: plan.tunnels.map(({ psk: _psk, ...t }, i) => ({ ...t, localOutside: addrs[i][0], remoteOutside: addrs[i][1] })),
        }));
        const resolved: pulumi.Output<ResolvedGatewayHost> = pulumi
            .all([routing, pulumi.all(plan.tunnels.map((t) => t.psk))])
            .apply(([r, psks]) => ({ ...r, tunnels: r.tunnels.map((t, i) => ({ ...t, psk: psks[i] })) }));

        this.swanctlConf = pulumi.secret(resolved.apply(renderSwanctlConf));
        this.frrConf = routing.apply(renderFrrConf);
        const xfrmScript = routing.apply(renderXfrmScript);
        const sysctl = routing.apply(renderLinksSysctl);
        const xfrmUnit = renderXfrmUnit();

        // Directories the SSH user copies into (0750, closed to others): strongSwan's and FRR's
        // config directories and the staging directory of what is installed root-owned.
        const dirs = host.dirs([
            { path: "/etc/hybrid-fleet", group: "root" },
            { path: LINKS_STAGE, group: "root" },
            { path: "/etc/swanctl", group: "root" },
            { path: "/etc/frr", group: "root" },
        ]);
        const after = { dependsOn: [dirs] };
        const files = [
            host.file("swanctl-conf", LINKS_PATHS.swanctlConf, this.swanctlConf, { ...after, secret: true }),
            host.file("frr-conf", LINKS_PATHS.frrConf, this.frrConf, after),
            host.file("xfrm-script", LINKS_STAGED.xfrmScript, xfrmScript, after),
            host.file("xfrm-unit", LINKS_STAGED.xfrmUnit, xfrmUnit, after),
            host.file("sysctl", LINKS_STAGED.sysctl, sysctl, after),
        ];
        const script = renderGatewaySetupScript({
            sshUser: args.login.user,
            aptRetryFunction: APT_RETRY_FUNCTION,
            aptUpdate: aptUpdate(),
            aptInstall: aptInstall(packages()),
        });
        this.setup = host.run("setup", script, {
            triggers: [this.swanctlConf, this.frrConf, xfrmScript, xfrmUnit, sysctl],
            dependsOn: files,
        });

        this.registerOutputs({ frrConf: this.frrConf, swanctlConf: this.swanctlConf });
    }
}
