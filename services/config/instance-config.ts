import type {TopologyHost} from './hosts.js';
import type {PortMap} from './ports.js';

/*
 * The shape of an instance's amprun.yaml as the code holds it: types only, so that the modules that
 * read it (amprun.ts), place it on a host (placement.ts) and derive paths from it (paths.ts,
 * keyspace-tls.ts) all import it without importing one another.
 */

export type SetupKind = 'single' | 'server';

/** A readiness check for a daemon: an HTTP GET answering 2xx, a TCP connect, or a line in its log. */
export type ReadyCheck =
	| {http: string}
	| {tcp: number}
	| {log: string};

/** A user-declared daemon from `amprun.yaml` `daemons:` (Procfile-style). */
export interface ExtraDaemon {
	name: string;
	command: string;
	ready?: ReadyCheck;
	dependsOn: string[];
}

/**
 * What `init` asks, and what `amprun.yaml` holds. Field names here are camelCase; the YAML
 * file uses snake_case (see `toYaml` / `fromYaml`).
 */
export interface InitAnswers {
	title: string;
	userName: string;
	userEmail: string;
	hostName: string;
	ports: PortMap;
	amprunRoot: string;
	/** `embedded` (state on this machine) or the URL of a hub served by `ampzero hub serve`. */
	hub: string;
	setup: SetupKind;
}

/**
 * `zerodata: {engine: sqlite | postgresql, postgresql_url: URL}` in amprun.yaml. SQLite is the
 * embedded default; with PostgreSQL and no URL, `ampzero run` starts a PostgreSQL server for the
 * instance (daemon `postgresql`, data in the amprun root, reached only through its unix socket).
 */
export interface ZerodataStorage {
	engine: 'sqlite' | 'postgresql';
	postgresqlUrl?: string;
}

export interface InstanceConfig extends InitAnswers {
	/** The instance's name: the basename of its directory. */
	name: string;
	userId: number;
	hostId: number;
	/** Address every daemon binds to. */
	bindAddress: string;
	/** Address nginx's frontend (HTTPS and the HTTP redirect) listens on, when not bindAddress: `0.0.0.0` for a server's every address. */
	frontendAddress?: string;
	/** Generated at init; `requirepass` of both redis servers. */
	redisPassword: string;
	/** Where `--server` mode finds the shared daemons. */
	keyspaceEndpoints: string[];
	logstoreUrl: string;
	zerodataUrl: string;
	daemons: ExtraDaemon[];
	/** `nat_lease_seconds`: the lease asked of a NAT gateway (renewed at half of it); default 3600. */
	natLeaseSeconds?: number;
	/** `hub_refresh_seconds`: how often run announces this host again while nothing changes; default 600. */
	hubRefreshSeconds?: number;
	/** Absent: SQLite. */
	zerodataStorage?: ZerodataStorage;
	/** `hosts:`: the machines of an instance spread over several; empty for a single machine. */
	hosts: TopologyHost[];
	/** Set by `placeConfig` (never read from or written to amprun.yaml): this host's place in `hosts:`. */
	placement?: Placement;
}

/** Where this host stands in an instance spread over several: its entry, and its TLS files (absolute paths). */
export interface Placement {
	host: TopologyHost;
	hosts: TopologyHost[];
	tls: {ca: string; cert: string; key: string};
}
