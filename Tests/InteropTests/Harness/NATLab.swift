import Foundation

/// A NAT lab inside namespaces this test creates (nothing leaves them): the test's own namespace
/// (the scope's), a router namespace doing nftables masquerade, and one more namespace. One side
/// is "public" (198.51.100.0/24, TEST-NET-2: hosts .10 and .20, the router .1), the other
/// "private" (10.99.0.0/24: the host .2 behind the router .1, its default route). Packets from
/// the private side leave the router with its public address (endpoint-independent mapping:
/// Linux keeps the source port when it is free); nothing reaches the private side unasked unless
/// a rule forwards it (`forward(udpPort:tcpPort:)`, a 1:1 NAT for those ports).
///
/// Processes started with `start(_:_:)` run in the other namespace (the scope ends them);
/// `tearDown` deletes the router and the other namespace (the scope's own is the scope's to delete).
final class NATLab: @unchecked Sendable {
    static let routerPublic = "198.51.100.1"
    static let publicHost = "198.51.100.10"
    static let turnHost = "198.51.100.20"
    static let routerPrivate = "10.99.0.1"
    static let privateHost = "10.99.0.2"
    static let nft = "/usr/sbin/nft"
    static let turnserver = "/usr/bin/turnserver"

    /// nft and coturn (`scripts/install-deps.sh --test`).
    static var toolsPresent: Bool {
        FileManager.default.isExecutableFile(atPath: nft) && FileManager.default.isExecutableFile(atPath: turnserver)
    }

    let scope: InteropScope
    let router: NetworkNamespace
    let other: NetworkNamespace
    /// Whether the scope's namespace is the public side (else the private one).
    let scopeIsPublic: Bool
    private let ip: String
    private let lock = NSLock()
    private var ruleFiles = 0

    var publicNamespace: NetworkNamespace { scopeIsPublic ? scope.namespace : other }
    var privateNamespace: NetworkNamespace { scopeIsPublic ? other : scope.namespace }

    init(scope: InteropScope, scopeIsPublic: Bool) throws {
        guard let ip = scope.environment.ip else {
            throw InteropError.unexpectedOutput(what: "missing tool", output: "`ip` (iproute2) not found")
        }
        self.scope = scope
        self.ip = ip
        self.scopeIsPublic = scopeIsPublic
        router = try NetworkNamespace(ip: ip)
        do {
            other = try NetworkNamespace(ip: ip)
        } catch {
            router.delete()
            throw error
        }
        do { try wire() } catch {
            tearDown()
            throw error
        }
    }

    private func wire() throws {
        let (pub, priv, r) = (publicNamespace.name, privateNamespace.name, router.name)
        for argv in [
            ["-n", r, "link", "add", "r-pub", "type", "veth", "peer", "name", "pub0", "netns", pub],
            ["-n", r, "link", "add", "r-priv", "type", "veth", "peer", "name", "priv0", "netns", priv],
            ["-n", pub, "addr", "add", "\(Self.publicHost)/24", "dev", "pub0"],
            ["-n", pub, "addr", "add", "\(Self.turnHost)/24", "dev", "pub0"],
            ["-n", pub, "link", "set", "pub0", "up"],
            ["-n", r, "addr", "add", "\(Self.routerPublic)/24", "dev", "r-pub"],
            ["-n", r, "addr", "add", "\(Self.routerPrivate)/24", "dev", "r-priv"],
            ["-n", r, "link", "set", "r-pub", "up"],
            ["-n", r, "link", "set", "r-priv", "up"],
            ["-n", priv, "addr", "add", "\(Self.privateHost)/24", "dev", "priv0"],
            ["-n", priv, "link", "set", "priv0", "up"],
            ["-n", priv, "route", "add", "default", "via", Self.routerPrivate],
        ] {
            try NetworkNamespace.run(ip, argv)
        }
        try NetworkNamespace.run(ip, ["netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
        try nft("""
            table ip nat {
              chain post { type nat hook postrouting priority 100; oifname "r-pub" masquerade; }
            }
            """)
    }

    /// Loads an nft ruleset (added to what is there) into the router.
    func nft(_ rules: String) throws {
        lock.lock()
        ruleFiles += 1
        let path = scope.file("nat-router-\(ruleFiles).nft")
        lock.unlock()
        try Data((rules + "\n").utf8).write(to: URL(fileURLWithPath: path))
        try NetworkNamespace.run(ip, ["netns", "exec", router.name, Self.nft, "-f", path])
    }

    /// Drops UDP from the private side to the public side's `port` (nil: all UDP): the firewall
    /// that blocks a viewer's UDP, except what goes through TURN (another port).
    func blockUDP(toPort port: Int?) throws {
        let match = port.map { "udp dport \($0)" } ?? "meta l4proto udp"
        try nft("""
            table inet lab-filter {
              chain forward { type filter hook forward priority 0; iifname "r-priv" \(match) drop; }
            }
            """)
    }

    /// 1:1 NAT for the private host's ports: what reaches the router's public address on them
    /// goes to the private host (port forwarding).
    func forward(udpPort: Int, tcpPort: Int) throws {
        try nft("""
            table ip lab-dnat {
              chain pre {
                type nat hook prerouting priority -100;
                iifname "r-pub" udp dport \(udpPort) dnat to \(Self.privateHost)
                iifname "r-pub" tcp dport \(tcpPort) dnat to \(Self.privateHost)
              }
            }
            """)
    }

    /// Starts `argv` in the other namespace (logs in the scope's folder).
    func start(_ label: String, _ argv: [String]) throws -> ManagedProcess {
        try scope.start(label, argv, in: other)
    }

    /// coturn on the public side's `turnHost:3478`, with TURN REST credentials from `secret`
    /// (its `use-auth-secret`), relaying from the same address. In the scope's namespace when
    /// that is the public one.
    func startCoturn(secret: String) throws -> ManagedProcess {
        let argv = [
            Self.turnserver, "-n", "--listening-ip=\(Self.turnHost)", "--relay-ip=\(Self.turnHost)",
            "--listening-port=3478", "--min-port=49160", "--max-port=49200",
            "--use-auth-secret", "--static-auth-secret=\(secret)", "--realm=rtcbridge.test",
            "--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout", "--simple-log",
            "--userdb=\(scope.file("turndb"))", "--pidfile=\(scope.file("turnserver.pid"))",
        ]
        return scopeIsPublic ? try scope.start("coturn", argv) : try start("coturn", argv)
    }

    /// Waits until the STUN server at `turnHost:3478` answers a Binding from the private side
    /// (bounded: 40 tries, 250 ms each); returns the mapped address it saw.
    func waitForSTUN() async throws -> String {
        let probe = """
            import os, socket, struct, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.25)
            for _ in range(40):
                tid = os.urandom(12)
                s.sendto(struct.pack('>HHI', 1, 0, 0x2112A442) + tid, ('\(Self.turnHost)', 3478))
                try:
                    data, _ = s.recvfrom(2048)
                except socket.timeout:
                    continue
                if data[8:20] != tid: continue
                i = 20
                while i + 4 <= len(data):
                    kind, length = struct.unpack('>HH', data[i:i + 4])
                    if kind == 0x0020:
                        port = struct.unpack('>H', data[i + 6:i + 8])[0] ^ 0x2112
                        ip = bytes(a ^ b for a, b in zip(data[i + 8:i + 12], b'\\x21\\x12\\xa4\\x42'))
                        print('mapped %s:%d' % (socket.inet_ntoa(ip), port)); sys.exit(0)
                    i += 4 + (length + 3) // 4 * 4
            print('no answer'); sys.exit(1)
            """
        let argv = ["python3", "-c", probe]
        let process = scopeIsPublic ? try start("stun-probe", argv) : try scope.start("stun-probe", argv)
        let status = try await process.waitForExit(timeout: .seconds(20))
        let line = process.lines().last ?? ""
        guard status == 0, line.hasPrefix("mapped ") else {
            throw InteropError.unexpectedOutput(what: "a STUN answer from coturn", output: process.logTail())
        }
        return String(line.dropFirst("mapped ".count))
    }

    /// Deletes the router and the other namespace (killing what still runs there; call after
    /// `scope.tearDown()` to let the scope end its processes gently first).
    func tearDown() {
        other.delete()
        router.delete()
    }
}
