// The audit log, newest first: who changed what and when, with the old and
// new values as the API gives them (sensitive ones read [REDACTED]).
import {get} from '../api.js';
import {append, asText, clear, el, errorBox, formatTime, loading, viewHeading} from '../dom.js';

const TABLES = ['', 'business_goals', 'configurations', 'app_settings', 'user_preferences'];

function changes(entry) {
  const before = entry.oldValues || {};
  const after = entry.newValues || {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = names.filter((n) => asText(before[n]) !== asText(after[n]));
  const shown = entry.action === 'UPDATE' ? changed : names;
  if (shown.length === 0) {
    return el('p', {class: 'muted small'}, names.length ?
      'No visible change: sensitive values read [REDACTED] on both sides.' : 'No field values recorded.');
  }
  return el('table', {class: 'changes'},
      el('thead', {}, el('tr', {}, el('th', {scope: 'col'}, 'Field'), el('th', {scope: 'col'}, 'Old'),
          el('th', {scope: 'col'}, 'New'))),
      el('tbody', {}, shown.map((name) => el('tr', {'data-field': name},
          el('th', {scope: 'row'}, name),
          el('td', {class: 'old'}, name in before ? asText(before[name]) : '—'),
          el('td', {class: 'new'}, name in after ? asText(after[name]) : '—')))));
}

function entryCard(entry) {
  return el('article', {class: 'card audit-entry', 'data-table': entry.tableName, 'data-record': entry.recordId},
      el('p', {class: 'meta'},
          el('span', {class: `badge action-${(entry.action || '').toLowerCase()}`}, entry.action),
          el('strong', {}, `${entry.tableName} / ${entry.recordId}`)),
      el('p', {class: 'muted small'}, 'by ', el('span', {class: 'actor'}, entry.actor || '?'),
          ` · ${formatTime(entry.changeTime)}`),
      changes(entry));
}

export async function renderAudit(container, isCurrent) {
  const table = el('select', {id: 'audit-table', name: 'table'},
      TABLES.map((t) => el('option', {value: t}, t || 'all tables')));
  const record = el('input', {id: 'audit-record', name: 'record', spellcheck: 'false', placeholder: 'any record'});
  const list = el('div', {class: 'cards single'});
  const more = el('button', {type: 'button', class: 'quiet', hidden: true}, 'Load more');
  const status = el('div', {'aria-live': 'polite'});
  const form = el('form', {class: 'inline-form'},
      el('label', {for: table.id}, 'Table'), table,
      el('label', {for: record.id}, 'Record'), record,
      el('button', {type: 'submit'}, 'Filter'));
  append(container, [viewHeading('Audit log'), form, status, list, more]);

  let pageToken = '';
  const load = async (fresh) => {
    if (fresh) {
      pageToken = '';
      clear(list);
    }
    more.hidden = true;
    clear(status).append(loading('audit entries'));
    let page;
    try {
      page = await get('/v1/auditEntries', {tableName: table.value, recordId: record.value.trim(),
        pageSize: 50, pageToken});
    } catch (error) {
      if (isCurrent()) clear(status).append(errorBox(error));
      return;
    }
    if (!isCurrent()) return;
    clear(status);
    const entries = page.auditEntries || [];
    append(list, entries.map(entryCard));
    if (fresh && entries.length === 0) append(status, [el('p', {class: 'muted'}, 'No audit entries.')]);
    pageToken = page.nextPageToken || '';
    more.hidden = !pageToken;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener('click', () => load(false));
  await load(true);
}
