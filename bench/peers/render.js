#!/usr/bin/env node
// Node peers for bench/peers.py: render one .docx template `count` times with
// docxtemplater (+ pizzip) or carbone, and print timings as one line of JSON.
//
//   node bench/peers/render.js TEMPLATE.docx DATA.json docxtemplater|carbone COUNT OUT.docx
//
// The template file is read once. docxtemplater then builds a PizZip and a
// Docxtemplater from those bytes per document (both are changed by a render, so
// this is its documented per-document path); carbone.render is given the path,
// as its README shows (carbone 3 reads and unzips the template on every render;
// it keeps no compiled form). A few warm-up renders come first; each timed
// render is measured with process.hrtime.bigint(). The last output is written
// to OUT.docx.
"use strict";

const fs = require("fs");
const path = require("path");

const WARMUP = 3;

function shortDate(value) {
  // "2026-11-27" -> "27.11.2026", as docgen's |short_date prints it
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  return m ? `${m[3]}.${m[2]}.${m[1]}` : value;
}

// docxtemplater's default parser knows plain names only; this one follows dotted
// paths (case.pupil.name) and knows one filter, `| short_date`. docxtemplater
// itself tries it on each scope, innermost first, and keeps the first defined value.
function dottedParser(tag) {
  const [expr, filter] = tag.split("|").map((s) => s.trim());
  const keys = expr === "." ? [] : expr.split(".");
  return {
    get(scope) {
      let value = scope;
      for (const key of keys) {
        if (value === null || value === undefined || !Object.prototype.hasOwnProperty.call(value, key)) {
          return undefined;
        }
        value = value[key];
      }
      return filter === "short_date" ? shortDate(value) : value;
    },
  };
}

function docxtemplaterRenderer(templatePath, data) {
  const PizZip = require("pizzip");
  const Docxtemplater = require("docxtemplater");
  const content = fs.readFileSync(templatePath);
  return async () => {
    const zip = new PizZip(content);
    const doc = new Docxtemplater(zip, { paragraphLoop: true, linebreaks: true, parser: dottedParser });
    doc.render(data);
    return doc.getZip().generate({ type: "nodebuffer", compression: "DEFLATE" });
  };
}

function carboneRenderer(templatePath, data) {
  const carbone = require("carbone");
  const absolute = path.resolve(templatePath);
  return () =>
    new Promise((resolve, reject) => {
      carbone.render(absolute, data, {}, (err, result) => (err ? reject(err) : resolve(result)));
    });
}

async function main() {
  const [templatePath, dataPath, engine, countArg, outPath] = process.argv.slice(2);
  if (!templatePath || !dataPath || !engine || !countArg || !outPath) {
    console.error("usage: render.js TEMPLATE DATA.json docxtemplater|carbone COUNT OUT.docx");
    process.exit(2);
  }
  const count = Math.max(1, parseInt(countArg, 10));
  const data = JSON.parse(fs.readFileSync(dataPath, "utf8"));
  const renderers = { docxtemplater: docxtemplaterRenderer, carbone: carboneRenderer };
  if (!renderers[engine]) {
    console.error(`unknown engine ${engine}`);
    process.exit(2);
  }
  const render = renderers[engine](templatePath, data);
  let output;
  for (let i = 0; i < WARMUP; i++) {
    output = await render();
  }
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    output = await render();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  fs.writeFileSync(outPath, output);
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const median = sorted[Math.floor(sorted.length / 2)];
  const version = require(`${engine}/package.json`).version;
  console.log(JSON.stringify({ engine, version, count, mean_ms: mean, median_ms: median }));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : JSON.stringify(err, null, 1));
  process.exit(1);
});
