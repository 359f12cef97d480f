// The CrossGuard pack as the engine runs it: policy/index.ts started in the pack's own directory
// (PulumiPolicy.yaml's), serving the analyzer gRPC protocol, and asked over gRPC what the engine
// asks: which policies it has, and what it says about a resource.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { crossGuardPolicies } from "../../policy/pack";

// The SDK's generated analyzer protocol and the gRPC and protobuf runtimes @pulumi/policy's server
// uses, resolved from it (they are its dependencies, not this project's).
const fromPolicy = (m: string) => require(require.resolve(m, { paths: [path.dirname(require.resolve("@pulumi/policy"))] }));
const analyzerproto = fromPolicy("@pulumi/pulumi/proto/analyzer_pb");
const analyzerrpc = fromPolicy("@pulumi/pulumi/proto/analyzer_grpc_pb");
const structproto = fromPolicy("google-protobuf/google/protobuf/struct_pb");
const emptyproto = fromPolicy("google-protobuf/google/protobuf/empty_pb");
const grpc = fromPolicy("@grpc/grpc-js");

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");

describe("the CrossGuard pack served over the analyzer protocol", function () {
    this.timeout(60_000);
    let pack: ChildProcess;
    let client: any;
    let stderr = "";
    const call = <T>(method: string, request: unknown): Promise<T> =>
        new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));

    before(async () => {
        // As the engine starts it: in the pack's directory, which PolicyPack reads package.json from.
        pack = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "index.ts"], {
            cwd: POLICY_DIR,
            stdio: ["ignore", "pipe", "pipe"],
        });
        pack.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            pack.stdout!.on("data", (d) => {
                out += d;
                const line = /^(\d+)\n/.exec(out);
                if (line) resolve(line[1]);
            });
            pack.on("exit", (code) => reject(new Error(`the pack exited (${code}) before serving:\n${stderr}`)));
        });
        client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    it("serves every platform rule, at its enforcement level, under the pack's name and package version", async () => {
        const info = await call<any>("getAnalyzerInfo", new emptyproto.Empty());
        assert.strictEqual(info.getName(), "hybrid-fleet");
        assert.strictEqual(info.getVersion(), require(path.join(POLICY_DIR, "package.json")).version);
        const served = info.getPoliciesList().map((p: any) => p.getName());
        assert.deepStrictEqual(served.sort(), crossGuardPolicies.map((p) => p.name).sort());
        assert.ok(served.includes("explicit-kubernetes-provider"));
    });

    it("reports a Kubernetes object on the default provider, and none on an explicit one with a kubeconfig", async () => {
        const analyze = async (provider: { name: string; kubeconfig?: string }) => {
            const req = new analyzerproto.AnalyzeRequest();
            req.setType("kubernetes:core/v1:Namespace");
            req.setName("payments");
            req.setUrn("urn:pulumi:prod::hybrid-fleet::kubernetes:core/v1:Namespace::payments");
            req.setProperties(structproto.Struct.fromJavaScript({ metadata: { name: "payments" } }));
            const opts = new analyzerproto.AnalyzerResourceOptions();
            opts.setProtect(false);
            req.setOptions(opts);
            const p = new analyzerproto.AnalyzerProviderResource();
            p.setType("pulumi:providers:kubernetes");
            p.setName(provider.name);
            p.setUrn(`urn:pulumi:prod::hybrid-fleet::pulumi:providers:kubernetes::${provider.name}`);
            p.setProperties(structproto.Struct.fromJavaScript(provider.kubeconfig ? { kubeconfig: provider.kubeconfig } : {}));
            req.setProvider(p);
            const res = await call<any>("analyze", req);
            return res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()]);
        };
        const onDefault = await analyze({ name: "default_4_28_0" });
        assert.ok(
            onDefault.some(([name, , message]: string[]) => name === "explicit-kubernetes-provider" && /default Kubernetes provider/.test(message)),
            JSON.stringify(onDefault),
        );
        assert.ok(onDefault.find(([name]: string[]) => name === "explicit-kubernetes-provider")[1] === analyzerproto.EnforcementLevel.MANDATORY);
        const explicit = await analyze({ name: "idc-sh-k8s", kubeconfig: "apiVersion: v1\nkind: Config\n" });
        assert.deepStrictEqual(
            explicit.filter(([name]: string[]) => name === "explicit-kubernetes-provider"),
            [],
        );
    });
});
