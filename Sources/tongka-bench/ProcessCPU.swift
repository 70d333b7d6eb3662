import Foundation

/// CPU time used so far by processes named by pid, read from /proc (Linux): user and system time
/// with reaped children, and for a PostgreSQL postmaster also every live child (backends,
/// autovacuum, WAL writer). What the shell's bench_cpu_ticks does, inside a run, so a benchmark can
/// say what one of its operations cost the server and the database.
struct ProcessCPU {
    let pids: [Int32]
    let withChildren: Bool

    /// Seconds of CPU so far; 0 where /proc cannot be read.
    func seconds() -> Double {
        var ticks = 0
        for pid in pids {
            ticks += Self.ticks(of: pid)
            if withChildren { ticks += Self.children(of: pid).reduce(0) { $0 + Self.ticks(of: $1) } }
        }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The fields after the command name in /proc/PID/stat (the name may hold spaces).
    private static func fields(of pid: Int32) -> [Substring] {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return [] }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    private static func ticks(of pid: Int32) -> Int {
        // utime, stime, cutime, cstime: fields 14-17 of stat, 11-14 after the name and state.
        let values = fields(of: pid)
        guard values.count > 14 else { return 0 }
        return values[11...14].reduce(0) { $0 + (Int($1) ?? 0) }
    }

    private static func children(of parent: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { pid in
            let values = fields(of: pid)
            return values.count > 1 && Int32(values[1]) == parent
        }
    }
}
