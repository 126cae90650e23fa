import Foundation

/// Replacing a file so that no reader ever sees half of it and no other process can slip in.
///
/// The new content goes to a temporary file beside the target with a random name, created with
/// `O_CREAT | O_EXCL | O_NOFOLLOW` (never an existing file or a planted symlink) and the final
/// mode from the start (never readable by others in between), is flushed to disk, and is renamed
/// over the target; the directory is then flushed too, so the rename survives a power cut.
public enum AtomicFile {
    /// Why a file could not be written, with its path.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Writes `bytes` to `path` with permissions `mode`. A symlink at `path` is followed: the
    /// file it points to is replaced and the link stays.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let target = resolved(path)
        let directory = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var generator = SystemRandomNumberGenerator()
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(String(generator.next() as UInt64, radix: 36)).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw Failure(description: "cannot write \(path): \(reason())") }
        var ok = fchmod(fd, mode) == 0  // the umask may have taken bits the caller asked for
        var offset = 0
        while ok, offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { ok = false } else { offset += written }
        }
        let problem = ok ? nil : reason()
        let synced = ok && fsync(fd) == 0
        close(fd)
        guard ok, synced, rename(temporary, target) == 0 else {
            let why = problem ?? reason()
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(why)")
        }
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// The path a symlink chain at `path` ends in (or `path` itself).
    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}

/// An exclusive advisory lock on a file beside the data (`flock`), for read-modify-write cycles
/// that concurrent processes must not interleave (two logins saving their sessions at once).
public enum FileLock {
    /// Runs `body` holding the lock on `path` (created 0600 when missing).
    public static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AtomicFile.Failure(description: "cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw AtomicFile.Failure(description: "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
