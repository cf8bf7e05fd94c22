/*
 * zerodata's tables in PostgreSQL. Ids are kept as sortable text keys (id-keys.ts) so numbers
 * and names share one column and sort as in SQLite: numbers first, in numeric order, then names
 * bytewise (collation "C"). Every run of operations is one call of `zerodata_run`: one round trip
 * and one transaction, each statement inside it seeing what committed before it started, so
 * two processes writing the same entity leave exactly one set of index rows.
 */
export const schemaLockKey = 0x7a65726f; // "zero"

export const schema = `
create table if not exists zerodata_entities (
	kind text collate "C" not null,
	id_key text collate "C" not null,
	properties text not null,
	primary key (kind, id_key)
);
create table if not exists zerodata_properties (
	kind text collate "C" not null,
	name text collate "C" not null,
	value text collate "C" not null,
	id_key text collate "C" not null,
	primary key (kind, name, value, id_key)
);
create index if not exists zerodata_properties_by_entity on zerodata_properties (kind, id_key);
create table if not exists zerodata_id_counters (
	kind text collate "C" primary key,
	next bigint not null
);
create table if not exists zerodata_seen_nonces (
	nonce text collate "C" primary key,
	expires_at bigint not null
);
create index if not exists zerodata_seen_nonces_by_expiry on zerodata_seen_nonces (expires_at);
create or replace function zerodata_run(operations jsonb) returns text[] language plpgsql as $$
declare
	operation jsonb;
	outcomes text[] := '{}';
	found_properties text;
	removed integer;
begin
	for operation in select value from jsonb_array_elements(operations) loop
		if operation->>'op' = 'get' then
			select properties into found_properties from zerodata_entities
				where kind = operation->>'kind' and id_key = operation->>'key';
			outcomes := array_append(outcomes, found_properties);
		elsif operation->>'op' = 'put' then
			-- The upsert takes the row lock first; the index rows are replaced after it.
			insert into zerodata_entities (kind, id_key, properties)
				values (operation->>'kind', operation->>'key', operation->>'properties')
				on conflict (kind, id_key) do update set properties = excluded.properties;
			delete from zerodata_properties where kind = operation->>'kind' and id_key = operation->>'key';
			insert into zerodata_properties (kind, name, value, id_key)
				select operation->>'kind', indexed.name, indexed.value, operation->>'key'
				from jsonb_to_recordset(operation->'index') as indexed(name text, value text)
				on conflict do nothing;
			outcomes := array_append(outcomes, 'put');
		else
			delete from zerodata_entities where kind = operation->>'kind' and id_key = operation->>'key';
			get diagnostics removed = row_count;
			delete from zerodata_properties where kind = operation->>'kind' and id_key = operation->>'key';
			outcomes := array_append(outcomes, case when removed > 0 then 'deleted' else 'absent' end);
		end if;
	end loop;
	return outcomes;
end $$;
`;
