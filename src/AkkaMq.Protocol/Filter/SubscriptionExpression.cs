namespace AkkaMq.Protocol;

/// <summary>
/// A tag subscription expression as RocketMQ writes it: "*" (or empty) for everything, otherwise
/// tags separated by "||". Evaluated on the broker so unmatched messages never cross the wire.
/// </summary>
public sealed class SubscriptionExpression
{
    public const string All = "*";
    private readonly HashSet<string>? _tags;

    private SubscriptionExpression(string text, HashSet<string>? tags)
    {
        Text = text;
        _tags = tags;
    }

    public string Text { get; }
    public bool MatchesAll => _tags == null;
    public IReadOnlyCollection<string> Tags => (IReadOnlyCollection<string>?)_tags ?? Array.Empty<string>();

    public static readonly SubscriptionExpression Everything = new(All, null);

    public static bool TryParse(string? text, out SubscriptionExpression expression, out string? error)
    {
        error = null;
        expression = Everything;
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == All) return true;
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text.Split("||"))
        {
            var tag = part.Trim();
            if (tag.Length == 0)
            {
                error = $"subscription expression '{text}' has an empty tag; write tags as 'TagA || TagB'";
                return false;
            }
            if (tag == All)
            {
                error = $"subscription expression '{text}' mixes '*' with tags";
                return false;
            }
            tags.Add(tag);
        }
        expression = new SubscriptionExpression(text, tags);
        return true;
    }

    public static SubscriptionExpression Parse(string? text) =>
        TryParse(text, out var e, out var error) ? e : throw new AkkaMqException(ResponseCode.SubscriptionParseFailed, error!);

    public bool Matches(string? tag) => _tags == null || (tag != null && _tags.Contains(tag));

    public override string ToString() => Text;
}
