import Gatehouse

/// Why a message could not be delivered, and whether a later attempt may succeed: the outbox's
/// `DeliveryFailure`, by the name the mail transports throw it under. Its description names what
/// failed (a reply code, a status, a connection error) and never the message's content.
///
/// Temporary: a 4xx SMTP reply, a refused or lost connection, a 5xx or 429 HTTP status. Permanent (not
/// retried): a 5xx SMTP reply, another 4xx HTTP status.
public typealias MailDeliveryError = DeliveryFailure
