import ICE
import SDP

extension WHIPResourceTable {
    /// PATCH on a session resource (RFC 9725 §4.3): trickle ICE or an ICE restart (RFC 8840).
    ///
    /// In order: the resource must live under `pathName` and `role`; `If-Match` is required and
    /// must be the current ETag or `*`; a fragment carries both `a=ice-ufrag` and `a=ice-pwd` or
    /// neither. Credentials equal to the recorded remote ones (or none) are trickle; new ones are
    /// a restart: the table records them and the ETag for `restartCredentials`, and returns the
    /// answer fragment with `localCandidates` for each section (mid) of the request.
    public mutating func patch(id: String, pathName: String, role: WHIPRole, ifMatch: String?,
                               fragment: TrickleFragment, restartCredentials: ICECredentials,
                               localCandidates: [SDPCandidate]) -> WHIPPatchDecision {
        guard var resource = resource(id: id, pathName: pathName, role: role) else { return .unknownSession }
        guard let ifMatch else { return .preconditionRequired }
        guard ifMatch == "*" || ifMatch == resource.etag else { return .preconditionFailed }
        if (fragment.iceUfrag == nil) != (fragment.icePwd == nil) {
            return .badRequest("a fragment needs both a=ice-ufrag and a=ice-pwd, or neither")
        }
        guard let ufrag = fragment.iceUfrag, let pwd = fragment.icePwd,
              ufrag != resource.remoteCredentials.ufrag || pwd != resource.remoteCredentials.password else {
            // Trickled candidates: the parser validated them, and an ICE-lite agent answers
            // checks from any address, so there is nothing to record.
            return .trickle(etag: resource.etag)
        }
        let remote = ICECredentials(ufrag: ufrag, password: pwd)
        resource.remoteCredentials = remote
        resource.etag = Self.etag(for: restartCredentials)
        resources[id] = resource
        var answer = TrickleFragment(iceUfrag: restartCredentials.ufrag, icePwd: restartCredentials.password, iceLite: true)
        answer.sections = fragment.sections.map {
            TrickleFragment.Section(mid: $0.mid, candidates: localCandidates, endOfCandidates: true)
        }
        if answer.sections.isEmpty { answer.sections = [.init(mid: nil, candidates: localCandidates, endOfCandidates: true)] }
        return .restart(WHIPRestart(local: restartCredentials, remote: remote, etag: resource.etag, answer: answer))
    }
}
