namespace AkkaMq.Protocol;

/// <summary>
/// Marks every message that crosses the wire or lands in the journal. The type is bound to
/// <see cref="Serialization.AkkaMqSerializer"/> so nothing falls back to a reflection-based format.
/// </summary>
public interface IAkkaMqMessage;
