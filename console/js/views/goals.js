// Business goals by area: status, priority, a progress bar, and an editor
// for title, status, progress and priority that saves with If-Match, so a
// change made meanwhile by someone else is refused and said so.
import {ApiError, call, listAll, segment} from '../api.js';
import {append, clear, el, errorBox, formatTime, loading, viewHeading} from '../dom.js';

const AREAS = ['sales', 'delivery', 'product', 'financial', 'team', 'process'];
const STATUSES = ['not_started', 'in_progress', 'completed', 'blocked', 'deferred'];
const PRIORITIES = {1: 'low', 2: 'medium', 3: 'high', 4: 'critical'};

const label = (text) => text.replace(/_/g, ' ');

function progressBar(goal) {
  const value = goal.progress || 0;
  return el('div', {class: 'progress'},
      el('progress', {max: '100', value: String(value), 'aria-label': `Progress of ${goal.title}`}),
      el('span', {class: 'progress-value', 'data-field': 'progress'}, `${value}%`));
}

function summary(goal, onEdit) {
  return [
    el('h4', {class: 'goal-title', 'data-field': 'title'}, goal.title || '(untitled)'),
    el('p', {class: 'meta'},
        el('span', {class: `badge status-${goal.status}`, 'data-field': 'status'}, label(goal.status || '')),
        el('span', {class: 'badge', 'data-field': 'priority'},
            `P${goal.priority} · ${PRIORITIES[goal.priority] || ''}`),
        goal.targetDate ? el('span', {class: 'muted'},
            `due ${goal.targetDate.year}-${String(goal.targetDate.month).padStart(2, '0')}-` +
            `${String(goal.targetDate.day).padStart(2, '0')}`) : null),
    progressBar(goal),
    goal.description ? el('p', {class: 'description'}, goal.description) : null,
    el('p', {class: 'muted small'}, `${goal.id} · updated ${formatTime(goal.updateTime)}`),
    el('button', {type: 'button', class: 'edit', onclick: onEdit, 'aria-label': `Edit ${goal.title}`}, 'Edit'),
  ];
}

function field(id, text, control) {
  return el('div', {class: 'field'}, el('label', {for: id}, text), control);
}

function editor(goal, onSaved, onCancel) {
  const prefix = `goal-${goal.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const title = el('input', {id: `${prefix}-title`, name: 'title', value: goal.title || '', maxlength: '1024', required: true});
  const status = el('select', {id: `${prefix}-status`, name: 'status'},
      STATUSES.map((s) => el('option', {value: s, selected: s === goal.status}, label(s))));
  const progress = el('input', {id: `${prefix}-progress`, name: 'progress', type: 'number', min: '0', max: '100',
    step: '1', value: String(goal.progress || 0), required: true});
  const priority = el('select', {id: `${prefix}-priority`, name: 'priority'},
      Object.entries(PRIORITIES).map(([n, text]) =>
        el('option', {value: n, selected: Number(n) === goal.priority}, `${n} · ${text}`)));
  const message = el('p', {class: 'error', role: 'alert', hidden: true});
  const save = el('button', {type: 'submit'}, 'Save');
  const form = el('form', {class: 'goal-editor', 'aria-label': `Edit goal ${goal.id}`},
      field(title.id, 'Title', title), field(status.id, 'Status', status),
      field(progress.id, 'Progress (%)', progress), field(priority.id, 'Priority', priority),
      el('div', {class: 'actions'}, save,
          el('button', {type: 'button', class: 'quiet', onclick: onCancel}, 'Cancel')),
      message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    const value = Number(progress.value);
    if (!Number.isInteger(value) || value < 0 || value > 100) {
      message.hidden = false;
      message.textContent = 'Progress must be a whole number from 0 to 100.';
      return progress.focus();
    }
    save.disabled = true;
    save.textContent = 'Saving…';
    try {
      const updated = await call('PATCH', `/v1/businessGoals/${segment(goal.id)}`, {
        query: {updateMask: 'title,status,progress,priority'},
        body: {title: title.value, status: status.value, progress: value, priority: Number(priority.value)},
        etag: goal.etag,
      });
      onSaved(updated);
    } catch (error) {
      message.hidden = false;
      message.textContent = error instanceof ApiError ? error.message : String(error);
      save.disabled = false;
      save.textContent = 'Save';
    }
  });
  return form;
}

function goalCard(goal) {
  const card = el('article', {class: 'card goal', 'data-goal': goal.id});
  const show = (current, note) => {
    clear(card);
    append(card, summary(current, () => edit(current)));
    if (note) append(card, [el('p', {class: 'ok', role: 'status'}, note)]);
  };
  const edit = (current) => {
    clear(card);
    append(card, [el('h4', {class: 'goal-title'}, current.title || '(untitled)'),
      editor(current, (saved) => {
        show(saved, 'Saved.');
        card.querySelector('button.edit').focus();
      }, () => {
        show(current);
        card.querySelector('button.edit').focus();
      })]);
    card.querySelector('input').focus();
  };
  show(goal);
  return card;
}

export async function renderGoals(container, isCurrent) {
  append(container, [viewHeading('Goals'), loading('goals')]);
  let goals;
  try {
    goals = await listAll('/v1/businessGoals', 'businessGoals');
  } catch (error) {
    if (!isCurrent()) return;
    container.querySelector('.loading').replaceWith(errorBox(error));
    return;
  }
  if (!isCurrent()) return;
  container.querySelector('.loading').remove();
  if (goals.length === 0) {
    append(container, [el('p', {class: 'muted'}, 'No goals yet.')]);
    return;
  }
  const areas = [...AREAS, ...new Set(goals.map((g) => g.area).filter((a) => !AREAS.includes(a)))];
  for (const area of areas) {
    const inArea = goals.filter((g) => g.area === area)
        .sort((a, b) => (b.priority - a.priority) || a.id.localeCompare(b.id));
    if (inArea.length === 0) continue;
    const done = inArea.reduce((sum, g) => sum + (g.progress || 0), 0) / inArea.length;
    append(container, [el('section', {class: 'area', 'aria-labelledby': `area-${area}`, 'data-area': area},
        el('h3', {id: `area-${area}`}, label(area),
            el('span', {class: 'muted small'}, ` ${inArea.length} goal${inArea.length === 1 ? '' : 's'}, ` +
                `${Math.round(done)}% on average`)),
        el('div', {class: 'cards'}, inArea.map(goalCard)))]);
  }
}
