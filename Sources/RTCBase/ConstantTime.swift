/// Compares two secrets (tokens, Digest responses, nonce tags) in time that depends only on the
/// longer one's length, never on where they differ; the whole length difference takes part.
public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = x.count ^ y.count
    for i in 0..<max(x.count, y.count) {
        let p = i < x.count ? x[i] : 0
        let q = i < y.count ? y[i] : 0
        difference |= Int(p ^ q)
    }
    return difference == 0
}
