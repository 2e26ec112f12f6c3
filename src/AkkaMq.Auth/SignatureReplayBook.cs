namespace AkkaMq.Auth;

/// <summary>
/// The MQv2 signatures this node accepted in the last max-clock-skew, with where each was first used
/// (akkamq.auth.reject-replayed-signatures). A signature covers only its second-resolution date-time,
/// so a client's own requests in one second carry the same one: a repeat is refused only when it comes
/// from another origin (peer IP, or Akka.Remote address), or when either use has no origin. An entry
/// lives until its date-time leaves the skew window (the Authenticator refuses it as stale after that);
/// past Capacity the oldest is forgotten, so memory stays bounded. Thread-safe.
/// </summary>
public sealed class SignatureReplayBook
{
    private readonly record struct Key(string AccessKey, string DateTime, string Signature);

    private readonly Dictionary<Key, string?> _seen = new();
    private readonly Queue<(Key Key, DateTimeOffset Expires)> _byExpiry = new();
    private readonly TimeSpan _window;
    private readonly object _lock = new();

    public SignatureReplayBook(TimeSpan window, int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), "the replay book needs a positive capacity");
        _window = window;
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Entries held now.</summary>
    public int Count
    {
        get { lock (_lock) return _seen.Count; }
    }

    /// <summary>Signatures forgotten at capacity before their window ended (a repeat of those passes).</summary>
    public long Evicted { get; private set; }

    /// <summary>Records the use; null when allowed, else the refusal naming the access key.</summary>
    /// <param name="signedAt">The request's x-mq-date-time, already checked to be within the window of now.</param>
    public string? Use(string accessKey, string dateTime, string signature, DateTimeOffset signedAt, string? origin, DateTimeOffset now)
    {
        var key = new Key(accessKey, dateTime, signature.ToLowerInvariant());
        lock (_lock)
        {
            Expire(now);
            if (_seen.TryGetValue(key, out var first))
                return first != null && origin != null && first == origin
                    ? null
                    : $"access key '{accessKey}': the signature of {dateTime} was already used from {first ?? "an unknown origin"} and is repeated from {origin ?? "an unknown origin"} (replayed)";
            if (_seen.Count >= Capacity && _byExpiry.TryDequeue(out var oldest))
            {
                _seen.Remove(oldest.Key);
                Evicted++;
            }
            _seen[key] = origin;
            _byExpiry.Enqueue((key, signedAt + _window));
            return null;
        }
    }

    private void Expire(DateTimeOffset now)
    {
        // Date-times arrive nearly in order, so the front holds the earliest; a later one behind it waits a little longer.
        while (_byExpiry.TryPeek(out var e) && e.Expires < now)
        {
            _byExpiry.Dequeue();
            _seen.Remove(e.Key);
        }
    }
}
