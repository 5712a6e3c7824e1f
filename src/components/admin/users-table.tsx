"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";

import { PageHeader } from "~/components/page-header";
import { Badge } from "~/components/ui/badge";
import { Card } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow, TableSkeletonRows } from "~/components/ui/table";
import { formatCredits, formatDateTime } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

const pageSize = 20;

/** Every account, searchable by id, email or name, with its balance. */
export function AdminUsers() {
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  const deferredQuery = useDeferredValue(query.trim());
  const pages = useCursorPages();
  const users = useQuery(trpc.admin.users.queryOptions({ query: deferredQuery || undefined, cursor: pages.cursor, limit: pageSize }));
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Users" description="Balances, recent activity, credit grants and deductions." />
      <div className="flex max-w-md flex-col gap-1.5">
        <Label htmlFor="user-search">Search users</Label>
        <Input
          id="user-search"
          type="search"
          placeholder="Email, name or id"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            pages.reset();
          }}
        />
      </div>
      <Card>
        <Table aria-label="Users">
          <TableHeader>
            <TableRow>
              <TableHead>Email</TableHead>
              <TableHead>Name</TableHead>
              <TableHead>Role</TableHead>
              <TableHead className="text-right">Balance</TableHead>
              <TableHead>Joined</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {users.data?.items.map((user) => (
              <TableRow key={user.id}>
                <TableCell>
                  <Link className="font-medium underline-offset-4 hover:underline" href={`/admin/users/${user.id}`}>{user.email}</Link>
                </TableCell>
                <TableCell>{user.name}</TableCell>
                <TableCell>{user.role === "ADMIN" ? <Badge variant="info">Admin</Badge> : <Badge variant="outline">User</Badge>}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCredits(user.balance)}</TableCell>
                <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(user.createdAt)}</TableCell>
              </TableRow>
            ))}
            {!users.data && !users.error ? <TableSkeletonRows rows={5} columns={5} /> : null}
            {users.data && users.data.items.length === 0 ? (
              <TableRow>
                <TableCell colSpan={5} className="py-8 text-center text-muted-foreground">No user matches “{deferredQuery}”.</TableCell>
              </TableRow>
            ) : null}
          </TableBody>
        </Table>
      </Card>
      <Pagination
        label="Users pages"
        page={pages.page}
        hasPrevious={pages.hasPrevious}
        hasNext={Boolean(users.data?.nextCursor)}
        onPrevious={pages.previous}
        onNext={() => pages.next(users.data?.nextCursor)}
      />
    </div>
  );
}
