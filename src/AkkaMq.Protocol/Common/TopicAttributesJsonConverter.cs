using Newtonsoft.Json;

namespace AkkaMq.Protocol;

/// <summary>
/// Lets Akka's JSON fallback round-trip an attribute map: it serializes local envelopes (a journal's
/// Desequenced, say) when serialize-messages is on, and cannot rebuild an immutable dictionary itself.
/// </summary>
public sealed class TopicAttributesJsonConverter : JsonConverter
{
    public override bool CanConvert(Type objectType) => typeof(IReadOnlyDictionary<string, string>).IsAssignableFrom(objectType);

    public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer)
    {
        writer.WriteStartObject();
        if (value is IReadOnlyDictionary<string, string> map)
            foreach (var (name, text) in map)
            {
                writer.WritePropertyName(name);
                writer.WriteValue(text);
            }
        writer.WriteEndObject();
    }

    public override object ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.TokenType == JsonToken.Null) return TopicAttributes.Empty;
        while (reader.Read() && reader.TokenType == JsonToken.PropertyName)
        {
            var name = (string)reader.Value!;
            reader.Read();
            map[name] = reader.Value?.ToString() ?? "";
        }
        return TopicAttributes.Sorted(map);
    }
}
