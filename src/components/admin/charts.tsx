"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import type { TimeseriesPoint } from "~/server/admin/stats";

type Unit = "hour" | "day";

const hourFormat = new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric" });

function tickOf(unit: Unit) {
  return (value: string | number | Date) => (unit === "hour" ? hourFormat : dayFormat).format(new Date(value));
}

const chartHeightPx = 260;
const axisStyle = { fontSize: 12 };

/** Jobs created per bucket, stacked by how they ended. */
export function JobsChart({ points, unit }: { points: TimeseriesPoint[]; unit: Unit }) {
  const data = points.map((point) => ({ ...point, bucket: new Date(point.bucket).getTime() }));
  return (
    <figure aria-label="Jobs over time" className="m-0">
      <ResponsiveContainer width="100%" height={chartHeightPx}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="currentColor" strokeOpacity={0.12} />
          <XAxis dataKey="bucket" tickFormatter={tickOf(unit)} tick={axisStyle} minTickGap={24} />
          <YAxis allowDecimals={false} tick={axisStyle} />
          <Tooltip labelFormatter={(value) => tickOf(unit)(value as number)} />
          <Legend wrapperStyle={axisStyle} />
          <Bar dataKey="completed" name="Completed" stackId="jobs" fill="#16a34a" isAnimationActive={false} />
          <Bar dataKey="failed" name="Failed" stackId="jobs" fill="#dc2626" isAnimationActive={false} />
          <Bar dataKey="cancelled" name="Cancelled" stackId="jobs" fill="#d97706" isAnimationActive={false} />
          <Bar dataKey="active" name="Active" stackId="jobs" fill="#2563eb" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">Jobs created per {unit}, by outcome.</figcaption>
    </figure>
  );
}

/** Credits moved per bucket, by kind. */
export function CreditsChart({ points, unit }: { points: TimeseriesPoint[]; unit: Unit }) {
  const data = points.map((point) => ({ ...point, bucket: new Date(point.bucket).getTime() }));
  return (
    <figure aria-label="Credits over time" className="m-0">
      <ResponsiveContainer width="100%" height={chartHeightPx}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="currentColor" strokeOpacity={0.12} />
          <XAxis dataKey="bucket" tickFormatter={tickOf(unit)} tick={axisStyle} minTickGap={24} />
          <YAxis allowDecimals={false} tick={axisStyle} />
          <Tooltip labelFormatter={(value) => tickOf(unit)(value as number)} />
          <Legend wrapperStyle={axisStyle} />
          <Line dataKey="charged" name="Charged" stroke="#7c3aed" dot={false} strokeWidth={2} isAnimationActive={false} />
          <Line dataKey="refunded" name="Refunded" stroke="#dc2626" dot={false} strokeWidth={2} isAnimationActive={false} />
          <Line dataKey="granted" name="Granted" stroke="#16a34a" dot={false} strokeWidth={2} isAnimationActive={false} />
          <Line dataKey="purchased" name="Purchased" stroke="#2563eb" dot={false} strokeWidth={2} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">Credits charged, refunded, granted and purchased per {unit}.</figcaption>
    </figure>
  );
}
