using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace AkkaMq.Protocol.Serialization;

/// <summary>
/// Append-only binary writer over a growable buffer. Integers are LEB128 varints (signed ones
/// zig-zag encoded), strings are UTF-8 with a length prefix where 0 means null, bodies are
/// copied as they are.
/// </summary>
public sealed class WireWriter
{
    // Past this size the buffer comes from ArrayPool<byte>.Shared, so a big batch neither
    // allocates its way up from a small buffer on every call nor stays pinned to one writer.
    private const int PoolFrom = 64 * 1024;

    private byte[] _buffer;
    private byte[] _own; // the writer's own buffer; _buffer is a pooled one when they differ
    private int _pos;

    public WireWriter(int capacity = 256) => _buffer = _own = new byte[capacity];

    public int Length => _pos;
    public int Capacity => _buffer.Length;
    public void Reset() => _pos = 0;
    public byte[] ToArray() => _buffer.AsSpan(0, _pos).ToArray();

    /// <summary>Empties the writer and gives a pooled buffer back (the writer's own one stays).</summary>
    public void Release()
    {
        _pos = 0;
        if (ReferenceEquals(_buffer, _own)) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = _own;
    }

    private void Ensure(int extra)
    {
        if (_pos + extra <= _buffer.Length) return;
        var size = Math.Max(_buffer.Length * 2, _pos + extra);
        if (size <= PoolFrom)
        {
            Array.Resize(ref _buffer, size);
            _own = _buffer;
            return;
        }
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _pos).CopyTo(next);
        if (!ReferenceEquals(_buffer, _own)) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[_pos++] = b;
    }

    public void WriteBool(bool b) => WriteByte(b ? (byte)1 : (byte)0);

    public void WriteVarULong(ulong v)
    {
        Ensure(10);
        while (v >= 0x80)
        {
            _buffer[_pos++] = (byte)(v | 0x80);
            v >>= 7;
        }
        _buffer[_pos++] = (byte)v;
    }

    public void WriteVarLong(long v) => WriteVarULong((ulong)((v << 1) ^ (v >> 63)));
    public void WriteVarInt(int v) => WriteVarLong(v);
    public void WriteLength(int n) => WriteVarULong((ulong)n);

    public void WriteInt64(long v)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_pos), v);
        _pos += 8;
    }

    public void WriteString(string? s)
    {
        if (s == null)
        {
            WriteVarULong(0);
            return;
        }
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        Ensure(max + 5);
        // Reserve the prefix after counting, so short strings cost one pass.
        var count = max <= 126 ? -1 : Encoding.UTF8.GetByteCount(s);
        if (count < 0)
        {
            var written = Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_pos + 1));
            _buffer[_pos] = (byte)(written + 1);
            _pos += written + 1;
            return;
        }
        WriteVarULong((ulong)count + 1);
        _pos += Encoding.UTF8.GetBytes(s, _buffer.AsSpan(_pos));
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteLength(bytes.Length);
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_pos));
        _pos += bytes.Length;
    }

    /// <summary>A count, then each string (none may be null).</summary>
    public void WriteStrings(IReadOnlyList<string> list)
    {
        WriteLength(list.Count);
        for (var i = 0; i < list.Count; i++) WriteString(list[i]);
    }

    /// <summary>A count, then each value as a varint.</summary>
    public void WriteLongs(IReadOnlyList<long> list)
    {
        WriteLength(list.Count);
        for (var i = 0; i < list.Count; i++) WriteVarLong(list[i]);
    }

    public void WriteProperties(IReadOnlyDictionary<string, string> props)
    {
        WriteLength(props.Count);
        // A Dictionary's struct enumerator: through the interface it would be boxed per message.
        if (props is Dictionary<string, string> d)
        {
            foreach (var kv in d)
            {
                WriteString(kv.Key);
                WriteString(kv.Value);
            }
            return;
        }
        foreach (var kv in props)
        {
            WriteString(kv.Key);
            WriteString(kv.Value);
        }
    }
}

/// <summary>Reader for what <see cref="WireWriter"/> wrote; every read checks bounds and fails with a clear error.</summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public bool AtEnd => _pos >= _data.Length;

    private void Need(int n)
    {
        if (n < 0 || n > _data.Length - _pos)
            throw new FormatException($"corrupt AkkaMq payload: needs {n} more bytes at position {_pos} of {_data.Length}");
    }

    public byte ReadByte()
    {
        Need(1);
        return _data[_pos++];
    }

    public bool ReadBool() => ReadByte() != 0;

    public ulong ReadVarULong()
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1) throw new FormatException("corrupt AkkaMq payload: varint too long (over 64 bits)");
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
            shift += 7;
            if (shift > 63) throw new FormatException("corrupt AkkaMq payload: varint too long");
        }
    }

    public long ReadVarLong()
    {
        var v = ReadVarULong();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public int ReadVarInt()
    {
        var v = ReadVarLong();
        if (v is < int.MinValue or > int.MaxValue) throw new FormatException($"corrupt AkkaMq payload: {v} does not fit a 32-bit field");
        return (int)v;
    }

    public int ReadLength()
    {
        var n = ReadVarULong();
        // Every element or byte takes at least one byte, so a count past the end is corrupt.
        if (n > (ulong)(_data.Length - _pos))
            throw new FormatException($"corrupt AkkaMq payload: length {n} at position {_pos}");
        return (int)n;
    }

    public long ReadInt64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadInt64LittleEndian(_data[_pos..]);
        _pos += 8;
        return v;
    }

    public string? ReadString()
    {
        var n = ReadVarULong();
        if (n == 0) return null;
        if (n - 1 > (ulong)(_data.Length - _pos)) throw new FormatException($"corrupt AkkaMq payload: needs {n - 1} more bytes at position {_pos} of {_data.Length}");
        var len = (int)(n - 1);
        var s = Encoding.UTF8.GetString(_data.Slice(_pos, len));
        _pos += len;
        return s;
    }

    public string ReadRequiredString() => ReadString() ?? throw new FormatException("corrupt AkkaMq payload: missing string");

    public byte[] ReadBytes()
    {
        var len = ReadLength();
        Need(len);
        var b = _data.Slice(_pos, len).ToArray();
        _pos += len;
        return b;
    }

    public string[] ReadStrings()
    {
        var n = ReadLength();
        var list = new string[n];
        for (var i = 0; i < n; i++) list[i] = ReadRequiredString();
        return list;
    }

    public long[] ReadLongs()
    {
        var n = ReadLength();
        var list = new long[n];
        for (var i = 0; i < n; i++) list[i] = ReadVarLong();
        return list;
    }

    public IReadOnlyDictionary<string, string> ReadProperties()
    {
        var n = ReadLength();
        if (n == 0) return Message.EmptyProperties;
        var d = new Dictionary<string, string>(n);
        for (var i = 0; i < n; i++)
            d[ReadRequiredString()] = ReadRequiredString();
        return d;
    }
}
