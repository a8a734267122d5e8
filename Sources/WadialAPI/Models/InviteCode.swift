/// An invite code and the link built from it.
public struct InviteCode: Sendable, Hashable, Codable {
    public var code: String
    public var link: String

    public init(code: String, link: String? = nil) {
        self.code = code
        self.link = link ?? "https://chat.whatsapp.com/" + code
    }

    /// `{code}`, `{inviteCode}`, `{link}` / `{inviteLink}`, or a bare string.
    public init(json: JSONValue) throws(WadialError) {
        let link = json.first("link", "inviteLink", "url")?.string
        guard let code = json.first("code", "inviteCode", "invite_code")?.string ?? json.string ?? link?.split(separator: "/").last.map(String.init) else {
            throw .decoding("invite without code")
        }
        self.init(code: code, link: link)
    }
}
