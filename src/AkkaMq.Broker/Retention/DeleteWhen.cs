namespace AkkaMq.Broker.Retention;

/// <summary>
/// RocketMQ's deleteWhen: the hours of the day (the node's local time) in which expired messages
/// are deleted, written "04" or "02;04"; "*" means any hour.
/// </summary>
public sealed class DeleteWhen
{
    private readonly bool[] _hours;

    private DeleteWhen(bool[] hours, string text)
    {
        _hours = hours;
        Text = text;
    }

    public static readonly DeleteWhen AnyTime = new(Enumerable.Repeat(true, 24).ToArray(), "*");

    /// <summary>The value as configured.</summary>
    public string Text { get; }

    public bool Matches(int hour) => hour is >= 0 and < 24 && _hours[hour];

    /// <summary>Parses the hour list; null with the reason when a part is not an hour 00-23.</summary>
    public static DeleteWhen? TryParse(string? text, out string? error)
    {
        error = null;
        var value = text?.Trim() ?? "";
        if (value == "*") return AnyTime;
        if (value.Length == 0)
        {
            error = "is empty: give hours such as \"04\" or \"02;04\", or \"*\" for any time";
            return null;
        }
        var hours = new bool[24];
        foreach (var part in value.Split(';'))
        {
            var p = part.Trim();
            if (p.Length is < 1 or > 2 || !p.All(char.IsAsciiDigit) || int.Parse(p) > 23)
            {
                error = $"'{p}' in \"{value}\" is not an hour 00-23 (RocketMQ's form: \"04\" or \"02;04\", or \"*\" for any time)";
                return null;
            }
            hours[int.Parse(p)] = true;
        }
        return new DeleteWhen(hours, value);
    }
}
