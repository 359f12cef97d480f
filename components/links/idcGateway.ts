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
        const { plan } = args;
        // The routing files need neither the outside addresses (outputs of the cloud gateways) nor
        // the PSKs: they are rendered before the component registers (an invalid plan throws and
        // declares nothing) and stay readable in the plan. swanctl.conf waits for every address and PSK.
        const routing: GatewayRouting = { ...plan, tunnels: plan.tunnels.map(({ psk: _p, localOutside: _l, remoteOutside: _r, ...t }) => t) };
        const frrConf = renderFrrConf(routing);
        const xfrmScript = renderXfrmScript(routing);
        const sysctl = renderLinksSysctl(routing);
        super("hybrid:links:IdcGateway", name, {}, opts);
        const host = new Host(this, name, { name: plan.host.name, address: plan.host.address }, args.login);
        this.frrConf = pulumi.output(frrConf);
        const resolved: pulumi.Output<ResolvedGatewayHost> = pulumi
            .all(plan.tunnels.map((t) => pulumi.all([t.localOutside, t.remoteOutside, t.psk])))
            .apply((values) => ({
                ...plan,
                tunnels: plan.tunnels.map((t, i) => ({ ...t, localOutside: values[i][0], remoteOutside: values[i][1], psk: values[i][2] })),
            }));
        this.swanctlConf = pulumi.secret(resolved.apply(renderSwanctlConf));
        const xfrmUnit = renderXfrmUnit();

        // Root-owned directories (0750) the files are installed into (Host.file): strongSwan's and
        // FRR's config directories and the directory of what the setup installs elsewhere.
        const dirs = host.dirs([
            { path: "/etc/hybrid-fleet", group: "root" },
            { path: LINKS_STAGE, group: "root" },
            { path: "/etc/swanctl", group: "root" },
            { path: "/etc/frr", group: "root" },
        ]);
        const after = { dependsOn: [dirs] };
        const files = [
            host.file("swanctl-conf", LINKS_PATHS.swanctlConf, this.swanctlConf, { ...after, secret: true }),
            // Root-owned 0640; the setup gives it to group frr once the package has made the group.
            host.file("frr-conf", LINKS_PATHS.frrConf, frrConf, { ...after, mode: "0640" }),
            host.file("xfrm-script", LINKS_STAGED.xfrmScript, xfrmScript, { ...after, mode: "0755" }),
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
            triggers: [this.swanctlConf, frrConf, xfrmScript, xfrmUnit, sysctl],
            dependsOn: files,
        });

        this.registerOutputs({ frrConf: this.frrConf, swanctlConf: this.swanctlConf });
    }
}
