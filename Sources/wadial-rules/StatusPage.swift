import Engine
import Foundation
import State
import WadialModels

/// The status page at `/` of the `--metrics` listener: server-rendered HTML, no script, no
/// external asset, refreshing itself every 10 s. Every value from outside (subjects, JIDs,
/// details, holder ids) is HTML-escaped; no key or secret is ever part of the status.
enum StatusPage {
    static func escape(_ text: String) -> String { TextEscaping.html(text) }

    static func table(_ header: [String], _ rows: [[String]], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(escape(empty))</p>\n" }
        var html = "<table>\n<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return html + "</table>\n"
    }

    static func render(_ status: EngineStatus, now: Date) -> String {
        let zone = LocalTimeText.zone(status.timezone)
        let local = { (date: Date) in LocalTimeText.format(date, in: zone) }
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
            <title>wadial-rules status</title>
            <style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1em}\
            td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}\
            .ok{color:#060}.bad{color:#a00}.empty{color:#777}</style></head><body>

            """
        html += "<h1>wadial-rules</h1>\n"
        html += "<p id=\"health\" class=\"\(status.healthy ? "ok" : "bad")\">\(status.healthy ? "healthy" : "unhealthy"): \(escape(status.health))</p>\n"
        html += "<p>as of \(escape(local(now))); refreshes every 10 s</p>\n"
        html += "<h2>Sessions</h2>\n" + table(["SESSION", "LEASE", "LAST TICK"], status.sessions.map { [$0.id, $0.lease, $0.lastTick.map(local) ?? "not yet"] }, empty: "no sessions")
        html += "<h2>Rules</h2>\n" + table(["RULE", "TRIGGER", "LAST", "NEXT"], status.rules.map { [$0.id, $0.trigger, $0.lastAt.map(local) ?? $0.last, $0.nextAt.map(local) ?? $0.next] }, empty: "no rules")
        html += "<h2>Pending join requests</h2>\n" + table(
            ["GROUP", "SUBJECT", "REQUESTS"], status.pending.map { [$0.group, $0.subject, $0.requests.joined(separator: ", ")] },
            empty: "none pending (as of the last tick)")
        html += "<h2 id=\"decisions\">Last decisions</h2>\n" + table(
            ["TIME", "RULE", "GROUP", "ACTION", "TARGETS", "OUTCOME", "DETAIL"],
            status.decisions.map { [local($0.at), $0.rule, $0.group, $0.action, $0.targets.joined(separator: " "), $0.outcome.rawValue, $0.detail] },
            empty: "no decisions yet")
        html += "<h2>Open drift</h2>\n" + table(["POLICY", "GROUP", "SETTING", "VALUE"], status.drift.map { [$0.policy, $0.group, $0.setting, $0.value] },
                                                empty: "no drift reported")
        html += "<h2>Undelivered hand-offs</h2>\n" + table(
            ["RULE", "GROUP", "NEXT STEP", "ATTEMPTS", "NEXT ATTEMPT", "DELIVER BY", "LAST ERROR"],
            status.handOffs.map { [$0.rule, $0.group, String($0.nextStep), String($0.attempts), local($0.nextAttempt), local($0.deliverBy), $0.lastError ?? "-"] },
            empty: "none")
        return html + "</body></html>\n"
    }
}
