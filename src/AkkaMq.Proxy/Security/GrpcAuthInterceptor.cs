using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Status = Apache.Rocketmq.V2.Status;

namespace AkkaMq.Proxy.Security;

/// <summary>
/// Installed when akkamq.auth.enabled is on: every RPC passes <see cref="GrpcAuthCheck"/> first. A refused unary
/// call answers its own response type with the v2 status; a refused Telemetry stream gets one command carrying
/// the status and ends, so no call hangs.
/// </summary>
public sealed class GrpcAuthInterceptor : Interceptor
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> StatusProperties = new();

    /// <summary>ServerCallContext.UserState key of the authenticated user (an AkkaMq.Protocol.Auth.User), for Telemetry's re-checks.</summary>
    public const string UserKey = "akkamq.user";

    private readonly GrpcAuthCheck _check;

    public GrpcAuthInterceptor(GrpcAuthCheck check) => _check = check;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var refusal = Check(request as IMessage, context);
        if (refusal == null) return continuation(request, context);
        return Task.FromResult(WithStatus<TResponse>(refusal));
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var refusal = Check(null, context);
        if (refusal == null)
        {
            await continuation(requestStream, responseStream, context);
            return;
        }
        await responseStream.WriteAsync(WithStatus<TResponse>(refusal));
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var refusal = Check(request as IMessage, context);
        if (refusal == null) await continuation(request, responseStream, context);
        // ReceiveMessage and PullMessage answer a status in the stream, as for any other failure.
        else await responseStream.WriteAsync(WithStatus<TResponse>(refusal));
    }

    private static T WithStatus<T>(Status status)
    {
        var response = Activator.CreateInstance<T>();
        StatusProperties.GetOrAdd(typeof(T), t => t.GetProperty("Status", typeof(Status)))?.SetValue(response, status);
        return response;
    }

    private Status? Check(IMessage? request, ServerCallContext context)
    {
        var rpc = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var refusal = _check.Refusal(rpc, request, context.RequestHeaders.GetValue(GrpcAuthCheck.AuthorizationHeader),
            context.RequestHeaders.GetValue(GrpcAuthCheck.DateTimeHeader), GrpcAuthCheck.SourceOf(context.Peer), out var user);
        // Only Telemetry (the duplex stream, no request) keeps its user: a unary call need not allocate the state.
        if (refusal == null && user != null && request == null) context.UserState[UserKey] = user;
        return refusal;
    }
}
