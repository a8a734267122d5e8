/// The sessions known to be down, so that the warning is logged once per outage.
actor DisconnectedSessions {
    private var sessions: Set<String> = []
    /// True when newly inserted.
    func insert(_ session: String) -> Bool { sessions.insert(session).inserted }
    /// True when it was there.
    func remove(_ session: String) -> Bool { sessions.remove(session) != nil }
    func contains(_ session: String) -> Bool { sessions.contains(session) }
}
