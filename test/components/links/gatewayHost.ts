// The IDC gateway host the renderer tests render for: three tunnels to the cloud, two ToRs, three
// prefixes announced. A helper, not a test file: the renderers' unit tests (render.test.ts) and the
// ones that hand the rendered files to their tools (test/integration/links-render.test.ts) share it.
import { ResolvedGatewayHost, ResolvedTunnel } from "../../../components/links/types";

const crypto = { ike: "aes256gcm16-prfsha384-ecp384", esp: "aes256gcm16-ecp384", ikeLifetimeSeconds: 28800, espLifetimeSeconds: 3600, dpdDelaySeconds: 10 };

export function tunnel(i: number): ResolvedTunnel {
    return {
        name: `idc-eks-t${i}`,
        ifId: i,
        localOutside: "198.18.0.11",
        remoteOutside: `198.18.1.${i}`,
        insideCidr: `169.254.${10 + i}.0/30`,
        localInside: `169.254.${10 + i}.2`,
        remoteInside: `169.254.${10 + i}.1`,
        psk: `Psk.number_${i}`,
        localAsn: 65001,
        remoteAsn: 64512 + i,
        crypto: { ...crypto },
    };
}

export function host(): ResolvedGatewayHost {
    return {
        host: { name: "gw-a", address: "10.10.0.11", publicAddress: "198.18.0.11" },
        localAsn: 65001,
        tunnels: [tunnel(1), tunnel(2), tunnel(3)],
        fabricPeers: [
            { name: "tor-a", peerIp: "10.10.0.1", asn: 65010 },
            { name: "tor-b", peerIp: "10.10.0.2", asn: 65010 },
        ],
        announce: ["10.10.0.0/24", "10.244.0.0/16", "10.96.128.0/25"],
        uplink: "eth1",
    };
}
