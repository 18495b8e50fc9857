import COpenSSL
import CRTCShim

/// A custom OpenSSL BIO that moves whole datagrams between OpenSSL and a
/// `DTLSCallbackContext`, with no socket. A `BIO_s_mem` is a byte stream and would glue a
/// flight's datagrams together; here one `BIO_write` is one UDP datagram and one `BIO_read`
/// returns the single datagram being handled (truncated to the reader's buffer, like UDP).
enum DatagramBIO {
    /// A new BIO whose data pointer is `context` (unretained), or nil.
    static func make(context: DTLSCallbackContext) -> OpaquePointer? {
        guard let method = Method.shared.pointer, let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, context.opaque)
        BIO_set_init(bio, 1)
        return bio
    }

    /// The process-wide `BIO_METHOD`, created once. `@unchecked Sendable`: never mutated after init.
    private final class Method: @unchecked Sendable {
        static let shared = Method()
        let pointer: OpaquePointer?

        private init() {
            let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtcbridge datagram")
            if let method {
                BIO_meth_set_write(method, datagramWrite)
                BIO_meth_set_read(method, datagramRead)
                BIO_meth_set_ctrl(method, datagramControl)
            }
            pointer = method
        }
    }
}

private let datagramWrite: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
    bio, data, length in
    guard let bio, let data, length > 0, let context = DTLSCallbackContext.from(BIO_get_data(bio)) else {
        return length == 0 ? 0 : -1
    }
    rtc_bio_clear_retry_flags(bio)
    context.written.append(Array(UnsafeRawBufferPointer(start: data, count: Int(length))))
    return length
}

private let datagramRead: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32 = {
    bio, buffer, capacity in
    guard let bio, let buffer, capacity > 0, let context = DTLSCallbackContext.from(BIO_get_data(bio)) else {
        return -1
    }
    rtc_bio_clear_retry_flags(bio)
    guard let input = context.input, let source = input.baseAddress else {
        rtc_bio_set_retry_read(bio)
        return -1
    }
    context.input = nil
    let count = min(input.count, Int(capacity))
    UnsafeMutableRawPointer(buffer).copyMemory(from: source, byteCount: count)
    return Int32(count)
}

private let datagramControl: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int = {
    bio, command, _, _ in
    switch command {
    case BIO_CTRL_FLUSH:
        return 1
    case BIO_CTRL_PENDING:
        return DTLSCallbackContext.from(BIO_get_data(bio))?.input?.count ?? 0
    default:
        // No MTU query, zero MTU overhead (the configured MTU is the UDP payload size),
        // no peer address, no socket timeouts.
        return 0
    }
}
