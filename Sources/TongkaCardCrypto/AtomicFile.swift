import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Crash-safe small-file writes and bounded reads, with POSIX calls so every step is explicit.
///
/// `write` puts the bytes in a temporary file in the same directory (`.<name>.tmp-<random>`),
/// fsyncs it, renames it over the target (or links it, when overwriting is not allowed) and
/// fsyncs the directory. A crash leaves either the old file or the new one, never a mix; at
/// worst a stray temporary file remains, which readers never open.
public enum AtomicFile {
    /// Writes `bytes` to `path` with permission bits exactly `mode` (default 0600, owner only).
    /// With `overwrite: false` an existing file is an error (`EEXIST`) and is left untouched.
    public static func write(
        _ bytes: [UInt8], to path: String, mode: UInt32 = 0o600, overwrite: Bool = true
    ) throws(CardCryptoError) {
        let directory = directoryName(of: path)
        let base = baseName(of: path)
        guard !base.isEmpty else { throw .fileSystem(path: path, operation: "write (no file name)", errno: EINVAL) }
        var suffix = [UInt8](repeating: 0, count: 6)
        let ok = suffix.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let p = buffer.baseAddress else { return false }
            return RAND_bytes(p, Int32(buffer.count)) == 1
        }
        guard ok else { throw .openSSL(operation: "RAND_bytes") }
        let prefix = path.contains("/") ? (directory == "/" ? "/" : directory + "/") : ""
        let temporary = prefix + "." + base + ".tmp-" + Hex.encode(suffix)

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        guard fd >= 0 else { throw .fileSystem(path: temporary, operation: "open", errno: errno) }
        var failure: CardCryptoError?
        // fchmod because the umask may have removed bits from `mode`; we want exactly `mode`.
        if fchmod(fd, mode_t(mode)) != 0 {
            failure = .fileSystem(path: temporary, operation: "fchmod", errno: errno)
        }
        if failure == nil {
            failure = writeAll(fd, bytes, path: temporary)
        }
        if failure == nil, fsync(fd) != 0 {
            failure = .fileSystem(path: temporary, operation: "fsync", errno: errno)
        }
        if close(fd) != 0, failure == nil {
            failure = .fileSystem(path: temporary, operation: "close", errno: errno)
        }
        if failure == nil {
            if overwrite {
                if rename(temporary, path) != 0 {
                    failure = .fileSystem(path: path, operation: "rename", errno: errno)
                }
            } else {
                // link() fails with EEXIST instead of replacing: an atomic "create if absent".
                if link(temporary, path) != 0 {
                    failure = .fileSystem(path: path, operation: "create", errno: errno)
                }
                unlink(temporary)
            }
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        try syncDirectory(directory)
    }

    /// Reads a whole regular file of at most `maxBytes` bytes.
    public static func read(_ path: String, maxBytes: Int = 1 << 20) throws(CardCryptoError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var bytes = [UInt8]()
        // Reserve the whole size first: growing the array would leave copies of key files in
        // freed memory.
        var info = stat()
        if fstat(fd, &info) == 0, info.st_size > 0, Int(info.st_size) <= maxBytes {
            bytes.reserveCapacity(Int(info.st_size) + 1)
        }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                SecretKey.wipe(&chunk)
                SecretKey.wipe(&bytes)
                throw .fileSystem(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maxBytes {
                SecretKey.wipe(&chunk)
                SecretKey.wipe(&bytes)
                throw .fileSystem(path: path, operation: "read (file larger than \(maxBytes) bytes)", errno: EFBIG)
            }
        }
        // The chunk may have held key material (key files): wipe it.
        SecretKey.wipe(&chunk)
        return bytes
    }

    /// The permission bits (e.g. 0o600) of the file at `path`.
    public static func permissions(of path: String) throws(CardCryptoError) -> UInt32 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .fileSystem(path: path, operation: "stat", errno: errno) }
        return UInt32(info.st_mode) & 0o7777
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) -> CardCryptoError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                posixWrite(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .fileSystem(path: path, operation: "write", errno: errno)
            }
            offset += n
        }
        return nil
    }

    static func syncDirectory(_ directory: String) throws(CardCryptoError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .fileSystem(path: directory, operation: "fsync directory", errno: errno) }
    }

    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

// File-scope wrappers: inside `AtomicFile`, the names `read` and `write` mean its own members.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
