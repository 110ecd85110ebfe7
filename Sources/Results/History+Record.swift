import Foundation
import GRDB

extension History {
    /// Records (or re-records) a run: its row, every cell, every repetition's metrics, in one
    /// transaction. Recording the same run id again replaces it, so an incomplete run recorded
    /// midway is updated when it finishes.
    public func record(_ run: RunDocument, documentPath: String? = nil) throws(ResultsError) {
        let hostJSON: String
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            hostJSON = String(decoding: try encoder.encode(run.environment.host), as: UTF8.self)
        } catch {
            throw ResultsError(.encoding, "cannot encode host fingerprint", cause: error)
        }
        try write { db in
            try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [run.runID])
            let env = run.environment
            try db.execute(
                sql: """
                    INSERT INTO run (id, schema_version, matrix, started_at, finished_at, complete, straitd_sha,
                        image_hash, guest_kernel, qemu_version, libvirt_version, accelerator, accelerator_reason,
                        host_digest, host_json, document_path)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.runID, run.schemaVersion, run.matrix, run.startedAt.timeIntervalSince1970,
                    run.finishedAt?.timeIntervalSince1970, run.complete, env.straitdSHA, env.imageHash,
                    env.guestKernel, env.qemuVersion, env.libvirtVersion, env.accelerator, env.acceleratorReason,
                    env.host.digest, hostJSON, documentPath,
                ])
            for cell in run.cells {
                try db.execute(
                    sql: """
                        INSERT INTO cell_result (run_id, cell_id, backend, cache, dax, processing, verdict, reason,
                            failure_bundle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        run.runID, cell.cellID, cell.cell.backend.rawValue, cell.cell.cache, cell.cell.dax.rawValue,
                        cell.cell.processing?.description, cell.verdict.label, cell.verdict.reason, cell.failureBundle,
                    ])
                for workload in cell.workloads {
                    if let verdict = workload.verdict {
                        try db.execute(
                            sql: "INSERT INTO workload_verdict (run_id, cell_id, workload, verdict, reason) VALUES (?, ?, ?, ?, ?)",
                            arguments: [run.runID, cell.cellID, workload.workload, verdict.label, verdict.reason])
                    }
                    for repetition in workload.repetitions {
                        for (metric, value) in repetition.metrics.sorted(by: { $0.key < $1.key }) {
                            try db.execute(
                                sql: """
                                    INSERT INTO sample (run_id, cell_id, workload, metric, repetition, value)
                                    VALUES (?, ?, ?, ?, ?, ?)
                                    """,
                                arguments: [run.runID, cell.cellID, workload.workload, metric, repetition.index, value])
                        }
                    }
                }
            }
        }
    }

    /// Removes a run and everything recorded with it.
    public func delete(runID: String) throws(ResultsError) {
        try write { db in try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [runID]) }
    }
}
