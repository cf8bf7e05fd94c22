/** The contract between ampnode and the instance's service modules (`ampnode/services/<name>.js`). */

export interface ServiceRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	/** The request body as text (POST); empty for GET. */
	body: string;
}

export interface ServiceContext {
	/** The signed-in user's name, or undefined. */
	user: string | undefined;
	userId: number | undefined;
	hostId: number;
	title: string;
	instance: string;
	/** The zerodata store, requests signed with the host key. */
	data: unknown;
	/** Writes a line to ampnode's log (and logstore's error log when `level` is error). */
	log(message: string, level?: 'info' | 'error'): void;
}

export interface ServiceResponse {
	status: number;
	headers?: Record<string, string>;
	/** A string or bytes as they are; anything else is sent as JSON. */
	body?: unknown;
}

export type ServiceHandler = (request: ServiceRequest, context: ServiceContext) => ServiceResponse | Promise<ServiceResponse>;

/** What a module's `register(app)` receives. */
export interface ServiceApp {
	get(path: string, handler: ServiceHandler): void;
	post(path: string, handler: ServiceHandler): void;
}

export interface ServiceRoute {
	method: 'GET' | 'POST';
	path: string;
	handler: ServiceHandler;
	/** The module that registered it, for error messages. */
	module: string;
}
