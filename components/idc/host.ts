// Reaching one IDC host over SSH: every file goes through remote.CopyToRemote with a StringAsset
// (a secret Output when the content holds a secret), every action through remote.Command run with
// sudo from a script on stdin. Not a component: it declares resources under its caller.
import { remote, types } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { OwnedDir, renderDirsScript } from "./render";

export interface HostSpec {
    name: string;
    address: string;
}

/** How the program logs in: the spec's SSH user (passwordless sudo) and its private key (a secret). */
export interface SshLogin {
    user: string;
    port: number;
    privateKey: pulumi.Output<string>;
    /**
     * Host name -> its SSH public host key ("ssh-ed25519 AAAA..."), pinned on every connection to that
     * host: the provider refuses a server with another key (ssh.FixedHostKey). A host missing here is
     * not checked at all, which the spec allows only outside prod, explicitly.
     */
    hostKeys: Readonly<Record<string, string>>;
}

export interface RunOptions {
    /** Re-run (replace) the command whenever one of these changes, e.g. the files it applies. */
    triggers?: pulumi.Input<unknown>[];
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** For commands whose result holds data (the etcd disk). */
    protect?: boolean;
    /**
     * For commands whose output may hold a secret (kubeadm prints join tokens and certificate keys
     * unless told not to): nothing logged, stdout/stderr stored encrypted in the state.
     */
    secretOutput?: boolean;
}

export class Host {
    readonly connection: types.input.remote.ConnectionArgs;

    /** `prefix` is the owning component's name; every resource is named `<prefix>-<host>-<what>`. */
    constructor(
        private readonly parent: pulumi.Resource,
        private readonly prefix: string,
        readonly spec: HostSpec,
        readonly login: SshLogin,
    ) {
        const hostKey = Object.hasOwn(login.hostKeys, spec.name) ? login.hostKeys[spec.name] : undefined;
        this.connection = { host: spec.address, port: login.port, user: login.user, privateKey: login.privateKey, ...(hostKey ? { hostKey } : {}) };
    }

    private name(what: string): string {
        return `${this.prefix}-${this.spec.name}-${what}`;
    }

    /** Creates the directories files are copied into, owned by the SSH user (see renderDirsScript). */
    dirs(dirs: OwnedDir[], systemUsers: { name: string; home: string }[] = [], opts: RunOptions = {}): remote.Command {
        return this.run("dirs", renderDirsScript(this.login.user, dirs, systemUsers), opts);
    }

    /** Copies `content` to `remotePath`. `secret: true` for content holding keys, tokens or passwords. */
    file(
        what: string,
        remotePath: string,
        content: pulumi.Input<string>,
        opts: { secret?: boolean; dependsOn?: pulumi.Input<pulumi.Resource>[] } = {},
    ): remote.CopyToRemote {
        const text = opts.secret ? pulumi.secret(content) : pulumi.output(content);
        return new remote.CopyToRemote(
            this.name(what),
            { connection: this.connection, remotePath, source: text.apply((t) => new pulumi.asset.StringAsset(t)) },
            { parent: this.parent, dependsOn: opts.dependsOn },
        );
    }

    /** Runs a bash script as root (sudo, script on stdin so that secrets never reach argv). */
    run(what: string, script: pulumi.Input<string>, opts: RunOptions = {}): remote.Command {
        return new remote.Command(
            this.name(what),
            {
                connection: this.connection,
                create: "sudo -n bash -s",
                stdin: script,
                triggers: opts.triggers,
                ...(opts.secretOutput ? { logging: "none" as const } : {}),
            },
            {
                parent: this.parent,
                dependsOn: opts.dependsOn,
                protect: opts.protect,
                ...(opts.secretOutput ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}),
            },
        );
    }
}
