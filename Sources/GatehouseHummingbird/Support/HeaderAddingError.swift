import HTTPTypes
import Hummingbird

/// An error with headers the response to it must carry. A route that fails after the middleware renewed
/// the token must still hand the client the new token (or its next request presents a superseded one),
/// and CORS headers belong on errors too. Wrapping keeps the wrapped error's response and adds to it.
package struct HeaderAddingError: HTTPResponseError {
    package let underlying: any Error
    package let headers: HTTPFields

    package var status: HTTPResponse.Status {
        (underlying as? any HTTPResponseError)?.status ?? .internalServerError
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var response =
            if let underlying = underlying as? any HTTPResponseError {
                try underlying.response(from: request, context: context)
            } else {
                try GatehouseHTTPError(underlying).response(from: request, context: context)
            }
        response.headers.append(contentsOf: headers)
        return response
    }
}
